using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace CheckedMmap.Analyzers.Lifetime
{
    /// <summary>
    /// What a state changed since the state it was cloned from. Joining two arms, or comparing a loop's states between
    /// passes, then looks only at what either arm wrote since the state both come from: a loop body with thousands of
    /// pointer locals and munmaps on branches would otherwise compare every variable and mapping at every join, and cost
    /// the square of its calls.
    /// </summary>
    internal sealed partial class FlowState
    {
        /// <summary>How far up the clones two joined states look for the state they came from.</summary>
        private const int AncestorSearchDepth = 32;

        // The state this one is a clone of (or the join's first arm), how many clones lie above it (for finding the
        // common origin of two states in steps, not in a set of visited states), and how long its line is since it was
        // last cut.
        private FlowState? _cloneOf;
        private int _depth;
        private int _lineLength;

        // The mappings this state added to or removed from Unmapped since it was cloned, and the length of the log of
        // the state it was cloned from at the time.
        private int _cloneMark;
        private List<MappingSite>? _unmappedLog;

        // The same for Holders: the variables this state set or removed.
        private int _holderMark;
        private List<object>? _holderLog;

        // The keys a DistinctChanges has given so far.
        [ThreadStatic]
        private static HashSet<object>? t_seenKeys;

        private const int MaxKeptSeenKeys = 256;

        // A line twice as long as the search goes is cut where the search from here stops, so that a long flow does not
        // keep every state it ever made, while every new state still finds its recent ancestors (a line cut at its new
        // end would leave each later join to compare every mapping).
        private void DescendFrom(FlowState origin)
        {
            _cloneOf = origin;
            _depth = origin._depth + 1;
            _cloneMark = origin._unmappedLog?.Count ?? 0;
            _holderMark = origin._holderLog?.Count ?? 0;
            _lineLength = origin._lineLength + 1;
            if (_lineLength >= 2 * AncestorSearchDepth)
            {
                FlowState last = this;
                for (int depth = 1; depth < AncestorSearchDepth && last._cloneOf is { } above; depth++)
                {
                    last = above;
                }

                last._cloneOf = null;
                _lineLength = AncestorSearchDepth;
            }
        }

        private void LogUnmapped(MappingSite site) => (_unmappedLog ??= new List<MappingSite>()).Add(site);

        private void LogHolder(object key) => (_holderLog ??= new List<object>()).Add(key);

        private static Changes<object> HolderChanges(in Lineage lineage) => lineage.ChangesOf(static s => s._holderLog, static s => s._holderMark);

        private static Changes<MappingSite> UnmappedChanges(in Lineage lineage) => lineage.ChangesOf(static s => s._unmappedLog, static s => s._cloneMark);

        /// <summary>
        /// The join of two states' holders, with the variables where it differs from <paramref name="a"/>'s (the joined
        /// state's log). A branch that touched no holder leaves the very same map on both paths: the join is that map. Two
        /// states from one origin near enough differ only in the variables either wrote since: only those are joined.
        /// </summary>
        private static (ImmutableDictionary<object, AddressFact> Holders, List<object>? Changed) MergeHolders(FlowState a, FlowState b, Lineage? lineage)
        {
            ImmutableDictionary<object, AddressFact> mine = a.Holders, theirs = b.Holders;
            if (ReferenceEquals(mine, theirs))
            {
                return (mine, null);
            }

            if (lineage is not { } common)
            {
                return (MergeAllHolders(mine, theirs), new List<object>(mine.Keys.Concat(theirs.Keys)));
            }

            ImmutableDictionary<object, AddressFact> result = mine;
            List<object>? differs = null;
            foreach (object key in HolderChanges(common).Distinct())
            {
                bool mineHas = mine.TryGetValue(key, out AddressFact? ours);
                bool theirsHas = theirs.TryGetValue(key, out AddressFact? other);
                AddressFact? joined = mineHas && theirsHas ? ours!.Merge(other!) : mineHas ? ours!.Merge(AddressFact.Unknown) : theirsHas ? other!.Merge(AddressFact.Unknown) : null;
                if (joined is null || (mineHas && joined.Equals(ours)))
                {
                    continue;
                }

                result = result.SetItem(key, joined);
                (differs ??= new List<object>()).Add(key);
            }

            return (result, differs);
        }

        private static ImmutableDictionary<object, AddressFact> MergeAllHolders(ImmutableDictionary<object, AddressFact> mine, ImmutableDictionary<object, AddressFact> theirs)
        {
            ImmutableDictionary<object, AddressFact>.Builder merged = NoHolders.ToBuilder();
            foreach (KeyValuePair<object, AddressFact> pair in mine)
            {
                merged[pair.Key] = theirs.TryGetValue(pair.Key, out AddressFact? other) ? pair.Value.Merge(other) : pair.Value.Merge(AddressFact.Unknown);
            }

            foreach (KeyValuePair<object, AddressFact> pair in theirs)
            {
                if (!mine.ContainsKey(pair.Key))
                {
                    merged[pair.Key] = pair.Value.Merge(AddressFact.Unknown);
                }
            }

            return merged.ToImmutable();
        }

        /// <summary>
        /// The union of two states' Unmapped, with the mappings it adds to <paramref name="a"/>'s. From a common origin,
        /// only the mappings changed since can be in one and not the other; when <paramref name="b"/>'s holds all of
        /// <paramref name="a"/>'s, with the same first munmaps (one arm unmapped, the other did nothing), the union is
        /// <paramref name="b"/>'s itself.
        /// </summary>
        private static (ImmutableDictionary<MappingSite, SyntaxNode> Union, List<MappingSite>? Added) UnionOfUnmapped(FlowState a, FlowState b, Lineage? lineage)
        {
            ImmutableDictionary<MappingSite, SyntaxNode> mine = a.Unmapped, theirs = b.Unmapped;
            if (lineage is not { } common)
            {
                return Union(mine, theirs);
            }

            List<MappingSite>? added = null;
            bool mineHasMore = false;
            foreach (MappingSite site in UnmappedChanges(common).Distinct())
            {
                bool inMine = mine.TryGetValue(site, out SyntaxNode? ours);
                bool inTheirs = theirs.TryGetValue(site, out SyntaxNode? other);
                if (!inMine && inTheirs)
                {
                    (added ??= new List<MappingSite>()).Add(site);
                }
                else if (inMine && (!inTheirs || !ReferenceEquals(ours, other)))
                {
                    // The union keeps this state's first munmap where both have one.
                    mineHasMore = true;
                }
            }

            if (added is null || !mineHasMore)
            {
                return (added is null ? mine : theirs, added);
            }

            ImmutableDictionary<MappingSite, SyntaxNode>.Builder union = mine.ToBuilder();
            foreach (MappingSite site in added)
            {
                union[site] = theirs[site];
            }

            return (union.ToImmutable(), added);
        }

        private static (ImmutableDictionary<MappingSite, SyntaxNode> Union, List<MappingSite>? Added) Union(ImmutableDictionary<MappingSite, SyntaxNode> mine, ImmutableDictionary<MappingSite, SyntaxNode> theirs)
        {
            ImmutableDictionary<MappingSite, SyntaxNode>.Builder merged = mine.ToBuilder();
            List<MappingSite>? added = null;
            foreach (KeyValuePair<MappingSite, SyntaxNode> pair in theirs)
            {
                if (!merged.ContainsKey(pair.Key))
                {
                    merged[pair.Key] = pair.Value;
                    (added ??= new List<MappingSite>()).Add(pair.Key);
                }
            }

            return (merged.ToImmutable(), added);
        }

        /// <summary>Two states and the nearest state both come from, within <see cref="AncestorSearchDepth"/> clones of each.</summary>
        private readonly struct Lineage
        {
            private readonly FlowState _a;
            private readonly FlowState _b;
            private readonly FlowState _origin;

            // The states on each line just below the origin (null: that state is the origin itself).
            private readonly FlowState? _aBelow;
            private readonly FlowState? _bBelow;

            private Lineage(FlowState a, FlowState b, FlowState origin, FlowState? aBelow, FlowState? bBelow)
            {
                _a = a;
                _b = b;
                _origin = origin;
                _aBelow = aBelow;
                _bBelow = bBelow;
            }

            /// <summary>Walks the deeper state up to the other's depth, then both up together until they meet.</summary>
            public static Lineage? Find(FlowState a, FlowState b)
            {
                FlowState x = a, y = b;
                FlowState? xBelow = null, yBelow = null;
                int xSteps = 0, ySteps = 0;
                while (x._depth > y._depth)
                {
                    if (++xSteps >= AncestorSearchDepth || x._cloneOf is null)
                    {
                        return null;
                    }

                    xBelow = x;
                    x = x._cloneOf;
                }

                while (y._depth > x._depth)
                {
                    if (++ySteps >= AncestorSearchDepth || y._cloneOf is null)
                    {
                        return null;
                    }

                    yBelow = y;
                    y = y._cloneOf;
                }

                while (!ReferenceEquals(x, y))
                {
                    if (++xSteps >= AncestorSearchDepth || ++ySteps >= AncestorSearchDepth || x._cloneOf is null || y._cloneOf is null)
                    {
                        return null;
                    }

                    xBelow = x;
                    x = x._cloneOf;
                    yBelow = y;
                    y = y._cloneOf;
                }

                return new Lineage(a, b, x, xBelow, yBelow);
            }

            /// <summary>
            /// The entries of a change log (<paramref name="logOf"/>; <paramref name="markOf"/> is how long the log of the
            /// state a state was cloned from was then) written on either line since the origin: the origin's own between
            /// the two lines' departures, and every entry of the states below it.
            /// </summary>
            public Changes<T> ChangesOf<T>(Func<FlowState, List<T>?> logOf, Func<FlowState, int> markOf)
            {
                int aMark = _aBelow is null ? logOf(_origin)?.Count ?? 0 : markOf(_aBelow);
                int bMark = _bBelow is null ? logOf(_origin)?.Count ?? 0 : markOf(_bBelow);
                return new Changes<T>(_a, _b, _origin, logOf, Math.Min(aMark, bMark), Math.Max(aMark, bMark));
            }
        }

        /// <summary>Enumerates <see cref="Lineage.ChangesOf"/> without allocating: a join runs at every branch of a body.</summary>
        private struct Changes<T>
        {
            private readonly FlowState _a;
            private readonly FlowState _b;
            private readonly FlowState _origin;
            private readonly Func<FlowState, List<T>?> _logOf;
            private readonly int _from;
            private readonly int _to;
            private int _phase;
            private FlowState? _cursor;
            private List<T>? _log;
            private int _index;
            private int _end;

            public Changes(FlowState a, FlowState b, FlowState origin, Func<FlowState, List<T>?> logOf, int from, int to)
            {
                _a = a;
                _b = b;
                _origin = origin;
                _logOf = logOf;
                _from = from;
                _to = to;
                _phase = 0;
                _cursor = null;
                _log = null;
                _index = 0;
                _end = 0;
            }

            public readonly T Current => _log![_index];

            public readonly Changes<T> GetEnumerator() => this;

            /// <summary>Each change once: a line that wrote a variable twice logged it twice.</summary>
            public readonly DistinctChanges<T> Distinct() => new DistinctChanges<T>(this);

            public bool MoveNext()
            {
                if (++_index < _end)
                {
                    return true;
                }

                while (NextLog())
                {
                    if (_index < _end)
                    {
                        return true;
                    }
                }

                return false;
            }

            private bool NextLog()
            {
                switch (_phase)
                {
                    case 0:
                        _phase = 1;
                        _cursor = _a;
                        Read(_logOf(_origin), _from, _to);
                        return true;
                    case 1:
                        if (!ReferenceEquals(_cursor, _origin))
                        {
                            break;
                        }

                        _phase = 2;
                        _cursor = _b;
                        goto case 2;
                    case 2:
                        if (ReferenceEquals(_cursor, _origin))
                        {
                            return false;
                        }

                        break;
                }

                FlowState state = _cursor!;
                _cursor = state._cloneOf;
                Read(_logOf(state), 0, int.MaxValue);
                return true;
            }

            private void Read(List<T>? log, int from, int to)
            {
                _log = log;
                _index = from;
                _end = log is null ? 0 : Math.Min(log.Count, to);
            }
        }
        /// <summary>
        /// <see cref="Changes{T}"/> without repeats, through the thread's one set (a join runs at every branch of a body;
        /// one enumeration at a time uses it), emptied when the enumeration ends so that it holds no symbol of a
        /// compilation that is done.
        /// </summary>
        private struct DistinctChanges<T> : IDisposable
        {
            private readonly HashSet<object> _seen;
            private Changes<T> _changes;

            public DistinctChanges(Changes<T> changes)
            {
                _changes = changes;
                _seen = t_seenKeys ??= new HashSet<object>(VariableComparer.Instance);
            }

            public readonly T Current => _changes.Current;

            public readonly DistinctChanges<T> GetEnumerator() => this;

            public bool MoveNext()
            {
                while (_changes.MoveNext())
                {
                    if (_seen.Add(_changes.Current!))
                    {
                        return true;
                    }
                }

                return false;
            }

            // A set grown by a join of thousands of changes is dropped, not cleared: clearing costs its capacity, and every
            // later join on the thread would pay it.
            public readonly void Dispose()
            {
                if (_seen.Count > MaxKeptSeenKeys)
                {
                    t_seenKeys = null;
                }
                else
                {
                    _seen.Clear();
                }
            }
        }
    }
}
