using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace CacheWarmer.Worker.Http;

/// <summary>
/// Checks a Redis glob (SCAN MATCH syntax: <c>*</c>, <c>?</c>, <c>[abc]</c>, <c>[^a-z]</c>, <c>\</c> escapes). Redis
/// itself accepts anything and reads a malformed glob in surprising ways, so an unclosed class or a dangling escape is
/// refused here instead.
/// </summary>
internal static class RedisGlob
{
    /// <summary>
    /// True when <paramref name="glob"/> is well formed; <paramref name="literalPrefix"/> is then the text every matching
    /// key starts with (escapes resolved), and otherwise <paramref name="error"/> says what is wrong.
    /// </summary>
    public static bool TryParse(string glob, [NotNullWhen(true)] out string? literalPrefix, [NotNullWhen(false)] out string? error)
    {
        literalPrefix = null;
        if (glob.Length == 0)
        {
            error = "is empty: write a glob such as \"product:*\"";
            return false;
        }

        var prefix = new StringBuilder();
        var inPrefix = true;
        for (var i = 0; i < glob.Length; i++)
        {
            switch (glob[i])
            {
                case '\\':
                    if (i + 1 == glob.Length)
                    {
                        error = "ends with a lone '\\': escape a character such as '\\*', or drop the backslash";
                        return false;
                    }

                    if (inPrefix)
                    {
                        prefix.Append(glob[i + 1]);
                    }

                    i++;
                    break;
                case '[':
                    var close = ClassEnd(glob, i);
                    if (close < 0)
                    {
                        error = $"has a '[' at position {i} that opens an empty or unclosed class: close it with ']' after at least one character, or write '\\[' for a literal bracket";
                        return false;
                    }

                    inPrefix = false;
                    i = close;
                    break;
                case '*' or '?':
                    inPrefix = false;
                    break;
                default:
                    if (inPrefix)
                    {
                        prefix.Append(glob[i]);
                    }

                    break;
            }
        }

        literalPrefix = prefix.ToString();
        error = null;
        return true;
    }

    // The index of the ']' closing the class opened at 'open', or -1. A class holds at least one character.
    private static int ClassEnd(string glob, int open)
    {
        var i = open + 1;
        if (i < glob.Length && glob[i] == '^')
        {
            i++;
        }

        var members = 0;
        for (; i < glob.Length; i++)
        {
            if (glob[i] == '\\')
            {
                i++;
                members++;
            }
            else if (glob[i] == ']')
            {
                return members > 0 ? i : -1;
            }
            else
            {
                members++;
            }
        }

        return -1;
    }
}
