using System.Globalization;
using System.Net;
using System.Text;
using CacheWarmer.RefreshBench;
using CacheWarmer.StampedeLab.Scenarios;

namespace CacheWarmer.StampedeLab.Report;

/// <summary>Hand-written SVG charts (no package), numbers in the invariant culture.</summary>
internal static class LabSvg
{
    private static readonly string[] Colors = ["#d62728", "#ff7f0e", "#9467bd", "#1f77b4", "#8c564b", "#2ca02c", "#17becf", "#e377c2"];
    private const int PanelWidth = 420;
    private const int PanelHeight = 260;
    private const int Left = 60;
    private const int Top = 40;

    /// <summary>Expiry: backend queries per strategy, and reader latency p50 / p99 per strategy.</summary>
    public static string Expiry(IReadOnlyList<ExpiryOutcome> outcomes, string title)
    {
        var svg = Begin((PanelWidth * 2) + 40, PanelHeight + 135, title);
        Bars(svg, 0, "Backend queries for the expiry", outcomes.Select(o => o.Strategy).ToList(), [outcomes.Select(o => (double)o.Queries).ToArray()], ["queries"]);
        Bars(svg, PanelWidth + 20, "Reader latency (ms)", outcomes.Select(o => o.Strategy).ToList(),
            [outcomes.Select(o => Stats.Percentile(o.Latencies, 0.5)).ToArray(), outcomes.Select(o => Stats.Percentile(o.Latencies, 0.99)).ToArray()],
            ["p50", "p99"]);
        return End(svg);
    }

    /// <summary>Zipf: backend queries per second over time, one line per strategy.</summary>
    public static string Zipf(IReadOnlyList<ZipfOutcome> outcomes, string title)
    {
        var width = (PanelWidth * 2) + 40;
        var svg = Begin(width, PanelHeight + 135, title);
        var plotWidth = width - Left - 30;
        var seconds = Math.Max(1, outcomes.Max(o => o.QueriesPerSecond.Length));
        var max = Nice(outcomes.SelectMany(o => o.QueriesPerSecond).DefaultIfEmpty(1).Max());
        Axis(svg, Left, plotWidth, max, "backend queries per second");
        for (var i = 0; i < outcomes.Count; i++)
        {
            var points = string.Join(' ', outcomes[i].QueriesPerSecond.Select((q, s) =>
                F(Left + (plotWidth * (s + 0.5) / seconds)) + "," + F(Top + PanelHeight - (PanelHeight * q / max))));
            svg.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"{Colors[i % Colors.Length]}\" stroke-width=\"1.5\" points=\"{points}\"/>\n");
            Legend(svg, Left + (i * 120), Top + PanelHeight + 45, Colors[i % Colors.Length], outcomes[i].Strategy);
        }

        Text(svg, Left + (plotWidth / 2), Top + PanelHeight + 22, $"seconds since the start (0 to {seconds})", "middle");
        return End(svg);
    }

    private static void Bars(StringBuilder svg, int x0, string title, List<string> names, double[][] series, string[] seriesNames)
    {
        var plotWidth = PanelWidth - Left - 10;
        var max = Nice(series.SelectMany(s => s).Where(double.IsFinite).DefaultIfEmpty(1).Max());
        Text(svg, x0 + Left + (plotWidth / 2), Top - 12, title, "middle", bold: true);
        Axis(svg, x0 + Left, plotWidth, max, null);
        var slot = (double)plotWidth / names.Count;
        var barWidth = (slot * 0.8) / series.Length;
        for (var n = 0; n < names.Count; n++)
        {
            for (var s = 0; s < series.Length; s++)
            {
                var value = double.IsFinite(series[s][n]) ? series[s][n] : 0;
                var height = PanelHeight * value / max;
                var x = x0 + Left + (slot * n) + (slot * 0.1) + (barWidth * s);
                var color = series.Length == 1 ? Colors[n % Colors.Length] : (s == 0 ? "#9ecae1" : "#08519c");
                svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{F(x)}\" y=\"{F(Top + PanelHeight - height)}\" width=\"{F(barWidth)}\" height=\"{F(height)}\" fill=\"{color}\"/>\n");
                Text(svg, x + (barWidth / 2), Top + PanelHeight - height - 3, value.ToString("0", CultureInfo.InvariantCulture), "middle", size: 10);
            }

            Text(svg, x0 + Left + (slot * (n + 0.5)), Top + PanelHeight + 16, names[n], "middle", size: 11);
        }

        for (var s = 0; series.Length > 1 && s < series.Length; s++)
        {
            Legend(svg, x0 + Left + (s * 70), Top + PanelHeight + 45, s == 0 ? "#9ecae1" : "#08519c", seriesNames[s]);
        }
    }

    private static void Axis(StringBuilder svg, int x0, int width, double max, string? label)
    {
        for (var i = 0; i <= 4; i++)
        {
            var y = Top + PanelHeight - (PanelHeight * i / 4.0);
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{x0}\" y1=\"{F(y)}\" x2=\"{x0 + width}\" y2=\"{F(y)}\" stroke=\"#ddd\"/>\n");
            Text(svg, x0 - 5, y + 4, (max * i / 4).ToString("0.#", CultureInfo.InvariantCulture), "end", size: 10);
        }

        if (label is not null)
        {
            Text(svg, x0, Top - 12, label, "start");
        }
    }

    private static StringBuilder Begin(int width, int height, string title)
    {
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        svg.Append(CultureInfo.InvariantCulture, $"<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>\n");
        // The title (the command line) wraps at spaces, bottom-aligned under the legend.
        var lines = new List<string> { string.Empty };
        foreach (var word in title.Split(' '))
        {
            if (lines[^1].Length + word.Length > 130)
            {
                lines.Add(string.Empty);
            }

            lines[^1] += (lines[^1].Length == 0 ? "" : " ") + word;
        }

        for (var i = 0; i < lines.Count; i++)
        {
            Text(svg, 10, height - 8 - (14 * (lines.Count - 1 - i)), lines[i], "start", size: 11);
        }

        return svg;
    }

    private static string End(StringBuilder svg) => svg.Append("</svg>\n").ToString();

    private static void Legend(StringBuilder svg, double x, double y, string color, string name)
    {
        svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{F(x)}\" y=\"{F(y - 9)}\" width=\"10\" height=\"10\" fill=\"{color}\"/>\n");
        Text(svg, x + 14, y, name, "start", size: 11);
    }

    private static void Text(StringBuilder svg, double x, double y, string text, string anchor, int size = 12, bool bold = false) =>
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(x)}\" y=\"{F(y)}\" text-anchor=\"{anchor}\" font-size=\"{size}\"{(bold ? " font-weight=\"bold\"" : "")}>{WebUtility.HtmlEncode(text)}</text>\n");

    /// <summary>A round axis maximum at or above <paramref name="value"/>: 1, 2 or 5 times a power of ten.</summary>
    private static double Nice(double value)
    {
        if (!(value > 0))
        {
            return 1;
        }

        var power = Math.Pow(10, Math.Floor(Math.Log10(value)));
        return new[] { 1, 2, 5, 10 }.Select(m => m * power).First(m => m >= value);
    }

    private static string F(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);
}
