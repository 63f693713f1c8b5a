// Reports a test provokes on purpose (Assert.Throws of an UndefinedBehaviorException) are marked in the report file,
// so that the test run does not count them among the reports the code under test caught and hid. The mark belongs to
// a flow of execution (an AsyncLocal), as leak scopes do: a test running in parallel is not covered by another's.
using System;
using System.Threading;

namespace CheckedMmap.Reports
{
    internal static class ExpectedReports
    {
        private static readonly AsyncLocal<int> Depth = new AsyncLocal<int>();

        /// <summary>Whether the current flow of execution is inside a scope that expects reports.</summary>
        public static bool Active => Depth.Value > 0;

        public static IDisposable Begin()
        {
            Depth.Value++;
            return new Scope();
        }

        private sealed class Scope : IDisposable
        {
            private int _ended;

            public void Dispose()
            {
                // Ending twice (or ending from another flow that never began it) must not end an enclosing scope.
                if (Interlocked.Exchange(ref _ended, 1) == 0 && Depth.Value > 0)
                {
                    Depth.Value--;
                }
            }
        }
    }
}
