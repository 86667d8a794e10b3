using System.Text;
using System.Text.Json;
using CacheWarmer.Contracts.Values;

namespace CacheWarmer.Contracts.Tests.Values;

public sealed class CacheValueWriterTests : IDisposable
{
    private const string ById = "SELECT id, Name, price, stock FROM products WHERE id = @id";

    private readonly Catalog _catalog = new();

    public void Dispose() => _catalog.Dispose();

    [Fact]
    public void Row_is_a_json_object_with_column_names_as_returned()
    {
        var bytes = _catalog.Write(CacheValueShape.Row, ById, ("@id", "1"));

        Assert.Equal("""{"id":"1","Name":"Widget","price":9.5,"stock":3}""", Text(bytes));
    }

    [Fact]
    public void Row_keeps_aliases_exactly_and_writes_null_columns_as_null()
    {
        var bytes = _catalog.Write(
            CacheValueShape.Row, "SELECT Name AS ProductName, price AS \"unit price\", stock FROM products WHERE id = @id",
            ("@id", Catalog.InjectionId));

        Assert.Equal("""{"ProductName":"It\u0027s \u003Cb\u003Ebold\u003C/b\u003E","unit price":null,"stock":null}""", Text(bytes));
    }

    [Fact]
    public void Row_takes_the_first_row_only()
    {
        var bytes = _catalog.Write(CacheValueShape.Row, "SELECT id FROM products ORDER BY id");

        Assert.Equal("""{"id":"1"}""", Text(bytes));
    }

    [Fact]
    public void Row_without_a_row_is_nothing_to_write()
    {
        Assert.Null(_catalog.Write(CacheValueShape.Row, ById, ("@id", "404")));
    }

    [Fact]
    public void Row_values_round_trip_through_System_Text_Json()
    {
        var bytes = _catalog.Write(CacheValueShape.Row, "SELECT Name, price, stock, image FROM products WHERE id = '2'");

        using var document = JsonDocument.Parse(bytes);
        var row = document.RootElement;
        Assert.Equal("Gadget \"Pro\"", row.GetProperty("Name").GetString());
        Assert.Equal(0.1, row.GetProperty("price").GetDouble());
        Assert.Equal(-7, row.GetProperty("stock").GetInt64());
        Assert.Equal(new byte[] { 0x00, 0xFF }, row.GetProperty("image").GetBytesFromBase64());
    }

    [Fact]
    public void Rows_is_a_json_array_of_objects()
    {
        var bytes = _catalog.Write(CacheValueShape.Rows, "SELECT id, stock FROM products WHERE id IN ('1', '2') ORDER BY id");

        Assert.Equal("""[{"id":"1","stock":3},{"id":"2","stock":-7}]""", Text(bytes));
    }

    [Fact]
    public void Rows_without_rows_is_an_empty_array()
    {
        Assert.Equal("[]", Text(_catalog.Write(CacheValueShape.Rows, ById, ("@id", "404"))));
    }

    [Fact]
    public void Scalar_text_is_raw_utf8_not_json()
    {
        var bytes = _catalog.Write(CacheValueShape.Scalar, "SELECT Name FROM products WHERE id = '2'");

        Assert.Equal(Encoding.UTF8.GetBytes("Gadget \"Pro\""), bytes);
    }

    [Fact]
    public void Scalar_keeps_non_ascii_text_as_utf8()
    {
        var bytes = _catalog.Write(CacheValueShape.Scalar, "SELECT 'Café ☕'");

        Assert.Equal("Café ☕"u8.ToArray(), bytes);
    }

    [Theory]
    [InlineData("SELECT stock FROM products WHERE id = '2'", "-7")]
    [InlineData("SELECT 1234567890123", "1234567890123")]
    [InlineData("SELECT price FROM products WHERE id = '1'", "9.5")]
    [InlineData("SELECT 0.1 + 0.2", "0.30000000000000004")]
    public void Scalar_numbers_are_written_invariant(string sql, string expected)
    {
        Assert.Equal(expected, Text(_catalog.Write(CacheValueShape.Scalar, sql)));
    }

    [Fact]
    public void Scalar_blob_is_written_as_is()
    {
        var bytes = _catalog.Write(CacheValueShape.Scalar, "SELECT image FROM products WHERE id = '2'");

        Assert.Equal(new byte[] { 0x00, 0xFF }, bytes);
    }

    [Fact]
    public void Scalar_null_is_nothing_to_write()
    {
        Assert.Null(_catalog.Write(CacheValueShape.Scalar, "SELECT image FROM products WHERE id = '1'"));
    }

    [Fact]
    public void Scalar_without_a_row_is_nothing_to_write()
    {
        Assert.Null(_catalog.Write(CacheValueShape.Scalar, "SELECT Name FROM products WHERE id = @id", ("@id", "404")));
    }

    [Fact]
    public void Scalar_of_plain_values_matches_the_reader_path()
    {
        Assert.Null(CacheValueWriter.Scalar(null));
        Assert.Null(CacheValueWriter.Scalar(DBNull.Value));
        Assert.Equal("42"u8.ToArray(), CacheValueWriter.Scalar(42));
        Assert.Equal("1.5"u8.ToArray(), CacheValueWriter.Scalar(1.5m));
        Assert.Equal("text"u8.ToArray(), CacheValueWriter.Scalar("text"));
    }

    [Fact]
    public void Sql_ish_id_with_quotes_is_just_data()
    {
        var row = _catalog.Write(CacheValueShape.Row, ById, ("@id", Catalog.InjectionId));
        var name = _catalog.Write(CacheValueShape.Scalar, "SELECT Name FROM products WHERE id = @id", ("@id", Catalog.InjectionId));
        var count = _catalog.Write(CacheValueShape.Scalar, "SELECT count(*) FROM products");

        using var document = JsonDocument.Parse(row!);
        Assert.Equal(Catalog.InjectionId, document.RootElement.GetProperty("id").GetString());
        Assert.Equal("It's <b>bold</b>"u8.ToArray(), name);
        Assert.Equal("3", Text(count));
    }

    [Fact]
    public void Scalar_booleans_and_times_are_written_as_json_writes_them()
    {
        Assert.Equal("true"u8.ToArray(), CacheValueWriter.Scalar(true));
        Assert.Equal("false"u8.ToArray(), CacheValueWriter.Scalar(false));
        Assert.Equal("2024-01-15T10:00:00.0000000Z"u8.ToArray(), CacheValueWriter.Scalar(new DateTime(2024, 1, 15, 10, 0, 0, DateTimeKind.Utc)));
        Assert.Equal("2024-01-15T10:00:00.0000000+01:00"u8.ToArray(), CacheValueWriter.Scalar(new DateTimeOffset(2024, 1, 15, 10, 0, 0, TimeSpan.FromHours(1))));
    }

    [Fact]
    public void Unknown_shape_is_refused()
    {
        var exception = Assert.Throws<ArgumentOutOfRangeException>(
            () => _catalog.Write((CacheValueShape)42, ById, ("@id", "1")));

        Assert.Equal("shape", exception.ParamName);
    }

    private static string Text(byte[]? bytes) => Encoding.UTF8.GetString(Assert.IsType<byte[]>(bytes));
}
