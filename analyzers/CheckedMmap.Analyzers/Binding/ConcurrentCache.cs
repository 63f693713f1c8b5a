using System;
using System.Collections.Concurrent;

namespace CheckedMmap.Analyzers.Binding
{
    /// <summary>Look-ups in the analyzers' shared caches, which run for every call they judge.</summary>
    internal static class ConcurrentCache
    {
        /// <summary>
        /// The value kept for <paramref name="key"/>, computed from the key and <paramref name="state"/> on a miss. A hit
        /// allocates nothing (a factory lambda that captures its state is a new closure per call, hit or miss); when two
        /// threads miss at once, both compute and the first value stored wins, as with <c>GetOrAdd</c>.
        /// </summary>
        public static TValue GetOrCompute<TKey, TState, TValue>(this ConcurrentDictionary<TKey, TValue> cache, TKey key, TState state, Func<TKey, TState, TValue> compute)
            where TKey : notnull
        {
            return cache.TryGetValue(key, out TValue? known) ? known : cache.GetOrAdd(key, compute(key, state));
        }
    }
}
