using System.Reflection;
using System.Runtime.ExceptionServices;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace CacheWarmer.IntegrationTests.Infrastructure;

/// <summary>
/// Real Redis with chosen calls failing: a proxy at the <see cref="IDatabase"/> boundary forwards every call to the
/// real database except those <see cref="Fails"/> picks, which fault as a dropped connection would.
/// </summary>
internal sealed class FaultyRedis
{
    private int _faults;

    /// <summary>Picks the calls that fail: the method and its arguments. Settable while the test runs.</summary>
    public Func<MethodInfo, object?[], bool> Fails { get; set; } = (_, _) => false;

    /// <summary>How many calls have been failed so far.</summary>
    public int Faults => Volatile.Read(ref _faults);

    /// <summary>True for a Lua script call whose text contains <paramref name="text"/> and whose first key contains <paramref name="key"/>.</summary>
    public static bool IsScript(MethodInfo method, object?[] args, string text, string key) =>
        method.Name == nameof(IDatabase.ScriptEvaluateAsync) && args is [string script, RedisKey[] { Length: > 0 } keys, ..]
        && script.Contains(text, StringComparison.Ordinal) && keys[0].ToString().Contains(key, StringComparison.Ordinal);

    /// <summary>Replaces the worker's multiplexer with one whose databases go through this.</summary>
    public void Install(IServiceCollection services)
    {
        var real = services.Single(d => d.ServiceType == typeof(IConnectionMultiplexer));
        services.Remove(real);
        services.AddSingleton(sp => Wrap((IConnectionMultiplexer)real.ImplementationFactory!(sp)));
    }

    public IConnectionMultiplexer Wrap(IConnectionMultiplexer inner) => Proxy<IConnectionMultiplexer>.Create(inner, (method, args, call) =>
        method.Name == nameof(IConnectionMultiplexer.GetDatabase) ? Wrap((IDatabase)call()!) : call());

    public IDatabase Wrap(IDatabase inner) => Proxy<IDatabase>.Create(inner, (method, args, call) =>
    {
        if (!Fails(method, args))
        {
            return call();
        }

        Interlocked.Increment(ref _faults);
        var fault = new RedisConnectionException(ConnectionFailureType.SocketFailure, CommandFlags.None, "injected by the test", null, CommandStatus.Unknown);
        var type = method.ReturnType;
        if (type == typeof(Task))
        {
            return Task.FromException(fault);
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Task<>))
        {
            return typeof(Task).GetMethod(nameof(Task.FromException), 1, [typeof(Exception)])!
                .MakeGenericMethod(type.GetGenericArguments()[0]).Invoke(null, [fault]);
        }

        throw fault;
    });

    // A DispatchProxy forwarding to a real instance through an interceptor.
#pragma warning disable CA1852 // DispatchProxy derives a type from it.
    internal class Proxy<T> : DispatchProxy
#pragma warning restore CA1852
        where T : class
    {
        private T _inner = null!;
        private Func<MethodInfo, object?[], Func<object?>, object?> _intercept = null!;

        public static T Create(T inner, Func<MethodInfo, object?[], Func<object?>, object?> intercept)
        {
            var proxy = Create<T, Proxy<T>>();
            var self = (Proxy<T>)(object)proxy;
            self._inner = inner;
            self._intercept = intercept;
            return proxy;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            var method = targetMethod!;
            var arguments = args ?? [];
            return _intercept(method, arguments, () =>
            {
                try
                {
                    return method.Invoke(_inner, arguments);
                }
                catch (TargetInvocationException e) when (e.InnerException is not null)
                {
                    ExceptionDispatchInfo.Throw(e.InnerException);
                    throw;
                }
            });
        }
    }
}
