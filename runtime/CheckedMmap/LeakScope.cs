// Per-test leak checks that stay correct when tests run in parallel: a scope belongs to a flow of execution
// (an AsyncLocal, so it follows the test into the tasks and threads it starts, and never into another test's flow),
// and every mapping remembers the scope it was created in.
using System;
using System.Collections.Generic;
using System.Threading;

namespace CheckedMmap
{
    /// <summary>One node of the current flow's chain of scopes (innermost first).</summary>
    internal sealed class LeakScope
    {
        private static readonly AsyncLocal<LeakScope?> CurrentScope = new AsyncLocal<LeakScope?>();

        public LeakScope(LeakScope? parent, long mark)
        {
            Parent = parent;
            Mark = mark;
        }

        public LeakScope? Parent { get; }

        /// <summary>The last mapping id when the scope began (what <see cref="MmapTracker.Checkpoint"/> returns).</summary>
        public long Mark { get; }

        public bool Ended { get; set; }

        public static LeakScope? Current
        {
            get => CurrentScope.Value;
            set => CurrentScope.Value = value;
        }

        /// <summary>True when a mapping created in <paramref name="scope"/> belongs to this scope (it or a scope inside it).</summary>
        public bool Contains(LeakScope? scope)
        {
            for (LeakScope? s = scope; s != null; s = s.Parent)
            {
                if (ReferenceEquals(s, this))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>The innermost scope of the current flow that began at <paramref name="mark"/>, or null.</summary>
        public static LeakScope? FindInCurrentFlow(long mark)
        {
            for (LeakScope? s = Current; s != null; s = s.Parent)
            {
                if (s.Mark == mark)
                {
                    return s;
                }
            }

            return null;
        }

        public List<MappingInfo> LiveMappings()
        {
            var leaked = new List<MappingInfo>();
            foreach (MappingInfo m in Registry.MmapRuntime.LeakCandidates())
            {
                if (Contains(m.Scope))
                {
                    leaked.Add(m);
                }
            }

            return leaked;
        }
    }

    /// <summary>
    /// A leak check for one test: it sees the mappings created in the flow of execution that began it (including the
    /// tasks and threads that flow starts) and none made by tests running in parallel. Begin it with
    /// <see cref="MmapTracker.BeginLeakScope"/>, end the test with <see cref="AssertNoLeaks"/>.
    /// </summary>
    [System.Diagnostics.StackTraceHidden] // a leak assertion's exception starts at the test that asserted
    public sealed class MmapLeakScope : IDisposable
    {
        private readonly LeakScope _scope;

        internal MmapLeakScope(LeakScope scope) => _scope = scope;

        /// <summary>The mapping id mark at which the scope began.</summary>
        public long Mark => _scope.Mark;

        /// <summary>The mappings created in this scope's flow that are still live, oldest first, less those exempted by
        /// <see cref="MmapTracker.IgnoreLeak"/>.</summary>
        public IReadOnlyList<MappingInfo> LiveMappings() => _scope.LiveMappings();

        /// <summary>Throws <see cref="MmapLeakException"/> (its message is the leak report) when a mapping created in this scope's flow is still live.</summary>
        /// <exception cref="MmapLeakException">Mappings created in the scope are still mapped.</exception>
        public void AssertNoLeaks() => MmapTracker.ThrowIfLeaked(_scope.LiveMappings(), _scope);

        /// <summary>Ends the scope in the current flow (mappings created afterwards no longer belong to it). Does not check for leaks.</summary>
        public void Dispose()
        {
            if (_scope.Ended)
            {
                return;
            }

            _scope.Ended = true;
            if (ReferenceEquals(LeakScope.Current, _scope))
            {
                LeakScope.Current = _scope.Parent;
            }
        }
    }
}
