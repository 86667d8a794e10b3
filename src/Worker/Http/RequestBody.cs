using Microsoft.AspNetCore.Http;

namespace CacheWarmer.Worker.Http;

/// <summary>Reads a request body up to a limit, whether or not the client sent a Content-Length.</summary>
internal static class RequestBody
{
    /// <summary>The body, or null when it is larger than <paramref name="maxBytes"/>.</summary>
    public static async Task<ReadOnlyMemory<byte>?> ReadAsync(HttpRequest request, long maxBytes, CancellationToken cancellationToken)
    {
        if (request.ContentLength > maxBytes)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > maxBytes)
                {
                    return null;
                }

                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            // Kestrel's own limit (set to the same size) stopped it first.
            return null;
        }

        return buffer.ToArray();
    }
}
