using System;
using System.Collections.Generic;
using CheckedMmap.Reports;

namespace CheckedMmap.Testing
{
    /// <summary>
    /// The tests running now, as a test platform reports them: a fault report that ends the process (a fault in native
    /// code, which no test result can show) names them. The package's VSTest collector calls <see cref="Started"/> and
    /// <see cref="Ended"/> under <c>dotnet test -p:CheckedMmap=true</c>; another test platform may call them the same way.
    /// </summary>
    public static class RunningTests
    {
        /// <summary>Records that a test has started.</summary>
        /// <param name="testId">The test's identity for <see cref="Ended"/> (a test platform's test case id).</param>
        /// <param name="name">The name reports show (the test's fully qualified name).</param>
        /// <exception cref="ArgumentNullException"><paramref name="name"/> is null.</exception>
        public static void Started(Guid testId, string name)
        {
            if (name == null)
            {
                throw new ArgumentNullException(nameof(name));
            }

            RunningTestRegistry.Started(testId, name);
        }

        /// <summary>Records that a test has ended; an unknown id is ignored.</summary>
        /// <param name="testId">The id given to <see cref="Started"/>.</param>
        public static void Ended(Guid testId) => RunningTestRegistry.Ended(testId);

        /// <summary>The names of the tests running now, the earliest started first (a snapshot).</summary>
        public static IReadOnlyList<string> Names => RunningTestRegistry.Names();
    }
}
