using System.Collections.Concurrent;
using System.Reflection;
using StackExchange.Redis;

namespace CacheWarmer.Worker.Tests;

/// <summary>
/// Redis without a server, at the <see cref="IConnectionMultiplexer"/> and <see cref="IDatabase"/> boundary (a
/// DispatchProxy): Lua scripts are answered by the replies a test sets for their text, EXISTS by <see cref="Exists"/>.
/// Every call is recorded; any other command fails, so a test sees every command the code under test sent.
/// </summary>
internal sealed class FakeRedis
{
    private readonly ConcurrentDictionary<string, Func<RedisKey[], RedisValue[], Task<RedisResult>>> _replies = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<RedisCall> _calls = new();

    public FakeRedis()
    {
        Database = Proxy<IDatabase>.Create(Invoke);
        Multiplexer = Proxy<IConnectionMultiplexer>.Create((method, args) =>
            method.Name == nameof(IConnectionMultiplexer.GetDatabase) ? Database : Unexpected(method));
    }

    public IConnectionMultiplexer Multiplexer { get; }

    public IDatabase Database { get; }

    /// <summary>Whether a key exists (a replica's heartbeat); none does unless the test says so.</summary>
    public Func<string, bool> Exists { get; set; } = _ => false;

    /// <summary>Every call so far, in the order made.</summary>
    public IReadOnlyList<RedisCall> Calls => [.. _calls];

    /// <summary>Answers every later call of <paramref name="script"/> with <paramref name="reply"/>.</summary>
    public void Reply(string script, Func<RedisKey[], RedisValue[], RedisResult> reply) =>
        _replies[script] = (keys, args) => Task.FromResult(reply(keys, args));

    /// <summary>Answers every later call of <paramref name="script"/> when the task <paramref name="reply"/> gives ends.</summary>
    public void Reply(string script, Func<RedisKey[], RedisValue[], Task<RedisResult>> reply) => _replies[script] = reply;

    /// <summary>How many calls of <paramref name="script"/> were made.</summary>
    public int Count(string script) => _calls.Count(c => c.Script == script);

    private object? Invoke(MethodInfo method, object?[] args)
    {
        if (method.Name == nameof(IDatabase.ScriptEvaluateAsync) && args is [string script, RedisKey[] keys, RedisValue[] values, ..])
        {
            _calls.Enqueue(new RedisCall("EVAL", script, keys, values));
            return _replies.TryGetValue(script, out var reply)
                ? reply(keys, values)
                : Task.FromException<RedisResult>(new InvalidOperationException("The test set no reply for this script:\n" + script));
        }

        if (method.Name == nameof(IDatabase.KeyExistsAsync) && args is [RedisKey key, ..])
        {
            _calls.Enqueue(new RedisCall("EXISTS", null, [key], []));
            return Task.FromResult(Exists(key.ToString()));
        }

        return Unexpected(method);
    }

    private object? Unexpected(MethodInfo method)
    {
        _calls.Enqueue(new RedisCall(method.Name, null, [], []));
        throw new NotSupportedException($"FakeRedis does not answer {method.Name}.");
    }

    // A DispatchProxy handing every call of T to a function.
#pragma warning disable CA1852 // DispatchProxy derives a type from it.
    internal class Proxy<T> : DispatchProxy
#pragma warning restore CA1852
        where T : class
    {
        private Func<MethodInfo, object?[], object?> _invoke = null!;

        public static T Create(Func<MethodInfo, object?[], object?> invoke)
        {
            var proxy = Create<T, Proxy<T>>();
            ((Proxy<T>)(object)proxy)._invoke = invoke;
            return proxy;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) => _invoke(targetMethod!, args ?? []);
    }
}

/// <summary>One command sent to <see cref="FakeRedis"/>: EVAL (with its script), EXISTS, or the name of an unexpected method.</summary>
internal sealed record RedisCall(string Command, string? Script, RedisKey[] Keys, RedisValue[] Args);
