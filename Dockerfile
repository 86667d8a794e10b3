# syntax=docker/dockerfile:1
# The CacheWarmer worker (src/Worker). Build from the repository root:
#   docker build -t cachewarmer:dev .
# See docs/operations.md for running it (it needs a Redis, a database and, to listen beyond loopback, an API key).

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Restore first, from the build files alone, so the package layer is reused while only code changes.
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY eng/ eng/
COPY src/Directory.Build.props src/
COPY src/Contracts/CacheWarmer.Contracts.csproj src/Contracts/
COPY src/HotKeyTracker/CacheWarmer.HotKeyTracker.csproj src/HotKeyTracker/
COPY src/Worker/CacheWarmer.Worker.csproj src/Worker/
RUN dotnet restore src/Worker/CacheWarmer.Worker.csproj
COPY appsettings.json ./
COPY src/ src/
# No tests, no demo, no benchmarks: only the worker and the two libraries it references.
RUN dotnet publish src/Worker/CacheWarmer.Worker.csproj -c Release -o /app/publish --no-restore -p:UseAppHost=false

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
# The image's default HTTP_PORTS would be overridden by CacheWarmer:Http:Urls anyway; unset it so the log does not
# warn about it. The API listens where CacheWarmer__Http__Urls says: loopback by default, and a reachable address
# (http://0.0.0.0:8080) only together with CacheWarmer__Http__ApiKey, which the worker demands at start.
ENV ASPNETCORE_ENVIRONMENT=Production \
    ASPNETCORE_HTTP_PORTS= \
    DOTNET_NOLOGO=1
COPY --from=build /app/publish ./
EXPOSE 8080
# The image's unprivileged "app" user (UID 1654). Nothing is written under /app: the process only needs a writable
# /tmp (the runtime's diagnostics socket), so it runs with a read-only root filesystem and /tmp as a tmpfs/emptyDir.
USER $APP_UID
ENTRYPOINT ["dotnet", "CacheWarmer.Worker.dll"]
