using CacheWarmer.Worker.Loaders;

namespace CacheWarmer.Worker.Refresh;

/// <summary>
/// The refreshes of one batch sharing their loads. Each key's refresh runs every single-key step itself (single
/// flight, lease, TTL re-check, fenced write, fail-safe) and takes a <see cref="Seat"/>; at its load it waits here
/// until every seat has either asked for its load or ended without one. Then one batch query per loader loads all the
/// keys that asked. A key loads on its own (the seat answers null) when it is alone, when its loader has no batch
/// query, or when the database refused some key of the batch.
/// </summary>
internal sealed class LoadBatch(BatchLoader loader, int seats, int maxBatchSize)
{
    private readonly Lock _gate = new();
    private readonly List<Waiting> _waiting = [];
    private int _open = seats;

    public Seat Take() => new(this);

    private Task<LoadResult?> Arrive(LoaderMatch match, RefreshLease lease)
    {
        var done = new TaskCompletionSource<LoadResult?>(TaskCreationOptions.RunContinuationsAsynchronously);
        bool last;
        lock (_gate)
        {
            _waiting.Add(new Waiting(match, lease, done));
            last = --_open == 0;
        }

        if (last)
        {
            _ = RunAsync();
        }

        return done.Task;
    }

    private void Depart()
    {
        bool last;
        lock (_gate)
        {
            last = --_open == 0;
        }

        if (last)
        {
            _ = RunAsync();
        }
    }

    // Every seat has arrived or left: nothing is added to _waiting any more.
    private async Task RunAsync()
    {
        var queries = new List<Task>();
        foreach (var group in _waiting.GroupBy(w => w.Match.Loader))
        {
            var keys = group.ToList();
            if (!group.Key.Batches || keys.Count == 1)
            {
                keys.ForEach(w => w.Done.TrySetResult(null));
                continue;
            }

            queries.AddRange(keys.Chunk(Math.Max(maxBatchSize, 1)).Select(chunk => LoadAsync(group.Key, chunk)));
        }

        await Task.WhenAll(queries).ConfigureAwait(false);
    }

    private async Task LoadAsync(Loader batchLoader, Waiting[] keys)
    {
        try
        {
            var results = keys.Length == 1 ? null : await loader.LoadAsync(batchLoader, [.. keys.Select(k => (k.Match, k.Lease))]).ConfigureAwait(false);
            for (var i = 0; i < keys.Length; i++)
            {
                keys[i].Done.TrySetResult(results?[i]);
            }
        }
        catch (Exception ex)
        {
            // Each refresh turns an escaped exception into a retry of its own.
            Array.ForEach(keys, k => k.Done.TrySetException(ex));
        }
    }

    private sealed record Waiting(LoaderMatch Match, RefreshLease Lease, TaskCompletionSource<LoadResult?> Done);

    /// <summary>One refresh's place in the batch: it asks for its load, or leaves without one.</summary>
    internal sealed class Seat(LoadBatch batch)
    {
        private bool _done;

        /// <summary>The key's load from the batch query; null when the key is to load on its own.</summary>
        public Task<LoadResult?> LoadAsync(LoaderMatch match, RefreshLease lease)
        {
            _done = true;
            return batch.Arrive(match, lease);
        }

        /// <summary>The refresh ended (or never ran) without asking for its load; does nothing after <see cref="LoadAsync"/>.</summary>
        public void Leave()
        {
            if (!_done)
            {
                _done = true;
                batch.Depart();
            }
        }
    }
}
