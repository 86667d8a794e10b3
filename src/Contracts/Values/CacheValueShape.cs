namespace CacheWarmer.Contracts.Values;

/// <summary>How a query's result becomes the bytes stored under a key.</summary>
public enum CacheValueShape
{
    /// <summary>The first row as a JSON object; no row means nothing is written.</summary>
    Row,

    /// <summary>All rows as a JSON array of objects (an empty array when there are none).</summary>
    Rows,

    /// <summary>The first column of the first row, raw: text as UTF-8, bytes as they are, numbers invariant.</summary>
    Scalar,
}
