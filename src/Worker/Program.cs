using CacheWarmer.Worker.Hosting;
using Microsoft.Extensions.Hosting;

var builder = Host.CreateApplicationBuilder(args);
builder.AddCacheWarmer();
await builder.Build().RunAsync().ConfigureAwait(false);
