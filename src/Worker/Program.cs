using CacheWarmer.Worker.Hosting;
using Microsoft.AspNetCore.Builder;

var builder = WebApplication.CreateBuilder(args);
builder.AddCacheWarmer();
builder.AddCacheWarmerApi();
var app = builder.Build();
app.MapCacheWarmerApi();
await app.RunAsync().ConfigureAwait(false);
