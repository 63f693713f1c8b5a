using System;
using System.Runtime.CompilerServices;

namespace CheckedMmap.Analyzers.Binding
{
    /// <summary>Per-object caches that live exactly as long as the object (a compilation, a syntax tree, a reference).</summary>
    internal static class WeakCache
    {
        /// <summary>
        /// The value kept for <paramref name="key"/>, computed on a miss outside the table's lock (a computation can be
        /// long and read other caches); when two threads miss at once, the first value stored wins and both return it.
        /// </summary>
        public static TValue GetOrCompute<TKey, TState, TValue>(this ConditionalWeakTable<TKey, TValue> table, TKey key, TState state, Func<TKey, TState, TValue> compute)
            where TKey : class
            where TValue : class
        {
            if (table.TryGetValue(key, out TValue? known))
            {
                return known;
            }

            TValue computed = compute(key, state);
            return table.GetValue(key, _ => computed);
        }
    }
}
