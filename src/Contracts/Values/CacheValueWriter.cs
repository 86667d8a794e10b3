using System.Buffers;
using System.Data;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace CacheWarmer.Contracts.Values;

/// <summary>
/// Turns a query result into the exact bytes the worker stores. An app that caches with this class writes the same
/// bytes as the worker, so readers cannot tell who wrote a value. Column names are kept as the database returns them;
/// values are written with System.Text.Json's defaults.
/// </summary>
public static class CacheValueWriter
{
    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true };

    /// <summary>Reads the result of <paramref name="reader"/> in the given shape; null when nothing is to be written.</summary>
    public static byte[]? Write(IDataReader reader, CacheValueShape shape) => shape switch
    {
        CacheValueShape.Row => reader.Read() ? Json(writer => WriteRow(writer, reader)) : null,
        CacheValueShape.Rows => Json(writer =>
        {
            writer.WriteStartArray();
            while (reader.Read())
            {
                WriteRow(writer, reader);
            }

            writer.WriteEndArray();
        }),
        CacheValueShape.Scalar => reader.Read() ? Scalar(reader.GetValue(0)) : null,
        _ => throw new ArgumentOutOfRangeException(nameof(shape), shape, "Unknown result shape."),
    };

    /// <summary>
    /// The bytes of the record's current row as the <see cref="CacheValueShape.Row"/> shape stores it: what a
    /// batch of keys loaded in one query writes for each key's row. A <see cref="CacheValueShape.Rows"/> value is these
    /// rows joined by commas inside brackets.
    /// </summary>
    public static byte[] Row(IDataRecord record) => Json(writer => WriteRow(writer, record));

    /// <summary>
    /// The bytes of a scalar value; null for a database NULL. Text is raw UTF-8, bytes are kept, numbers are
    /// invariant, booleans are <c>true</c>/<c>false</c> and times ISO 8601 (round-trip format).
    /// </summary>
    public static byte[]? Scalar(object? value) => value switch
    {
        null or DBNull => null,
        byte[] bytes => bytes,
        string text => Encoding.UTF8.GetBytes(text),
        // Booleans and times as JSON writes them, so an app in any language reads the same text.
        bool flag => flag ? "true"u8.ToArray() : "false"u8.ToArray(),
        DateTime time => Encoding.UTF8.GetBytes(time.ToString("O", CultureInfo.InvariantCulture)),
        DateTimeOffset time => Encoding.UTF8.GetBytes(time.ToString("O", CultureInfo.InvariantCulture)),
        IFormattable formattable => Encoding.UTF8.GetBytes(formattable.ToString(null, CultureInfo.InvariantCulture)),
        _ => Encoding.UTF8.GetBytes(value.ToString() ?? string.Empty),
    };

    private static void WriteRow(Utf8JsonWriter writer, IDataRecord record)
    {
        writer.WriteStartObject();
        for (var i = 0; i < record.FieldCount; i++)
        {
            writer.WritePropertyName(record.GetName(i));
            var value = record.GetValue(i);
            if (value is DBNull)
            {
                writer.WriteNullValue();
            }
            else
            {
                JsonSerializer.Serialize(writer, value, value.GetType());
            }
        }

        writer.WriteEndObject();
    }

    private static byte[] Json(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            write(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }
}
