// The tests a test platform says are running now, for reports that no test result will carry: a fault that ends the
// process (in native code, its walk stops at the first managed frame and cannot name the test). Filled by the
// package's test-run collector through CheckedMmap.Testing.RunningTests; with parallel test classes several tests
// run at once, and a report names them all.
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;

namespace CheckedMmap.Reports
{
    internal static class RunningTestRegistry
    {
        private static readonly ConcurrentDictionary<Guid, (long Order, string Name)> Running = new ConcurrentDictionary<Guid, (long, string)>();
        private static long _started;

        public static void Started(Guid id, string name) =>
            Running[id] = (System.Threading.Interlocked.Increment(ref _started), name);

        public static void Ended(Guid id) => Running.TryRemove(id, out _);

        /// <summary>Whether a test platform has reported any test (else reports say nothing of tests).</summary>
        public static bool Used => System.Threading.Interlocked.Read(ref _started) > 0;

        /// <summary>The running tests' names, the earliest started first.</summary>
        public static IReadOnlyList<string> Names() =>
            Running.Values.OrderBy(t => t.Order).Select(t => t.Name).ToArray();
    }
}
