using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using CheckedMmap.Analyzers.Values;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace CheckedMmap.Analyzers.Lifetime
{
    /// <summary>
    /// One place a mapping is created: an mmap call in the analyzed body, or every mmap call that assigns a field in the
    /// members of its type. Its length is evaluated once, when a munmap needs it.
    /// </summary>
    internal class MappingSite
    {
        private readonly System.Func<ValueSet> _length;
        private ValueSet? _lengthValues;

        public MappingSite(SyntaxNode call, string function, System.Func<ValueSet> length, SyntaxNode? lengthSyntax, bool needsCheck = true)
        {
            Call = call;
            Function = function;
            _length = length;
            LengthSyntax = lengthSyntax;
            NeedsCheck = needsCheck;
        }

        /// <summary>Whether the result may be MAP_FAILED and its user must check it (MMAP009): mmap's own result, not that of
        /// a wrapper that returns a local only mmap assigns (such a wrapper handles failure itself).</summary>
        public bool NeedsCheck { get; }

        /// <summary>The mmap call (the first one, for a field assigned by several).</summary>
        public SyntaxNode Call { get; }

        /// <summary>"mmap" or "mremap": the function whose result this is (and whose failure is MAP_FAILED).</summary>
        public string Function { get; }

        /// <summary>The length expression the mapping was created with, when one expression is it (for the code fix).</summary>
        public SyntaxNode? LengthSyntax { get; }

        public ValueSet Length => _lengthValues ??= _length();

        /// <summary>True for the mapping a field holds when the body reads it unassigned (another member's mmap).</summary>
        public virtual bool OfField => false;
    }

    /// <summary>How a wrapper returns its mapping: not at all, mmap's own result, or a local only mmap assigns.</summary>
    internal enum ReturnedMapping
    {
        None,
        Call,
        CheckedLocal,
    }

    /// <summary>Where an address comes from: an mmap mapping (its base plus an offset) or memory that is not a mapping.</summary>
    internal sealed class Provenance : System.IEquatable<Provenance>
    {
        private Provenance(MappingSite? site, long? offset, bool offsetNonZero, string? notMapping)
        {
            Site = site;
            Offset = offset;
            OffsetNonZero = offsetNonZero;
            NotMapping = notMapping;
        }

        /// <summary>The mapping, or null for memory that is not one.</summary>
        public MappingSite? Site { get; }

        /// <summary>Bytes from the mapping's base, when known.</summary>
        public long? Offset { get; }

        /// <summary>True when the address is certainly not the base (a known non-zero offset, or a non-zero step of unknown size).</summary>
        public bool OffsetNonZero { get; }

        /// <summary>What the memory is when it is not a mapping ("Marshal.AllocHGlobal").</summary>
        public string? NotMapping { get; }

        public bool IsBase => Site is not null && !OffsetNonZero && Offset == 0;

        public static Provenance Mapping(MappingSite site) => new Provenance(site, 0, false, null);

        public static Provenance Other(string what) => new Provenance(null, null, false, what);

        /// <summary>The address moved by <paramref name="bytes"/> (null: by a non-zero amount of unknown size; a zero step keeps it).</summary>
        public Provenance? Moved(long? bytes, bool knownNonZero)
        {
            if (Site is null)
            {
                return this; // Still not a mapping.
            }

            if (bytes is { } b)
            {
                // An offset into a mapping is never negative: an unknown one plus a positive step is past the base, one
                // plus a negative step may be anywhere (p += 4096 in a loop, then p -= 8 * 4096).
                long? offset = Offset is { } o ? o + b : null;
                return new Provenance(Site, offset, offset is { } known ? known != 0 : b > 0 || (OffsetNonZero && b == 0), null);
            }

            // A step of unknown size: somewhere in the same mapping, off its base when the step is known to be non-zero.
            return new Provenance(Site, null, knownNonZero && Offset == 0 && !OffsetNonZero, null);
        }

        /// <summary>
        /// What a variable holds after paths that give it these two: the same provenance, or, for two addresses in one
        /// mapping (its base and base + 4096, a pointer stepped in a loop), that mapping at an offset known only when both
        /// agree; null for anything else.
        /// </summary>
        public static Provenance? Join(Provenance? a, Provenance? b)
        {
            if (Equals(a, b))
            {
                return a;
            }

            return a?.Site is { } site && ReferenceEquals(site, b?.Site)
                ? new Provenance(site, a.Offset == b!.Offset ? a.Offset : null, a.OffsetNonZero && b.OffsetNonZero, null)
                : null;
        }

        public bool Equals(Provenance? other) =>
            other is not null && ReferenceEquals(Site, other.Site) && Offset == other.Offset && OffsetNonZero == other.OffsetNonZero && NotMapping == other.NotMapping;

        public override bool Equals(object? obj) => Equals(obj as Provenance);

        public override int GetHashCode() => (Site?.GetHashCode() ?? 0) ^ (Offset?.GetHashCode() ?? 0) ^ (NotMapping?.GetHashCode() ?? 0);
    }

    /// <summary>What a variable (local, parameter, field, flow capture) holds: its provenance and the mmap calls whose result it may be.</summary>
    internal sealed class AddressFact : System.IEquatable<AddressFact>
    {
        public static readonly AddressFact Unknown = new AddressFact(null, ImmutableArray<MappingSite>.Empty);

        public AddressFact(Provenance? origin, ImmutableArray<MappingSite> sources)
        {
            Origin = origin;
            Sources = sources;
        }

        /// <summary>Null when the variable may hold values of different provenance (or unknown ones).</summary>
        public Provenance? Origin { get; }

        /// <summary>mmap calls of this body whose result the variable may hold (the failure check is about them).</summary>
        public ImmutableArray<MappingSite> Sources { get; }

        public static AddressFact FromCall(MappingSite site) => new AddressFact(Provenance.Mapping(site), ImmutableArray.Create(site));

        public AddressFact WithOrigin(Provenance? origin) => new AddressFact(origin, Sources);

        public AddressFact Merge(AddressFact other)
        {
            Provenance? origin = Provenance.Join(Origin, other.Origin);
            ImmutableArray<MappingSite> sources = Sources;
            foreach (MappingSite site in other.Sources)
            {
                if (!sources.Contains(site))
                {
                    sources = sources.Add(site);
                }
            }

            return new AddressFact(origin, sources);
        }

        public bool Equals(AddressFact? other)
        {
            if (other is null || !Equals(Origin, other.Origin) || Sources.Length != other.Sources.Length)
            {
                return false;
            }

            foreach (MappingSite site in Sources)
            {
                if (!other.Sources.Contains(site))
                {
                    return false;
                }
            }

            return true;
        }

        public override bool Equals(object? obj) => Equals(obj as AddressFact);

        public override int GetHashCode() => (Origin?.GetHashCode() ?? 0) ^ Sources.Length;
    }

    /// <summary>Which mremap calls a condition proves failed where it is true and where it is false (null: none).</summary>
    internal sealed class MremapOutcome
    {
        public MremapOutcome(HashSet<SyntaxNode>? failedWhenTrue, HashSet<SyntaxNode>? failedWhenFalse)
        {
            FailedWhenTrue = failedWhenTrue;
            FailedWhenFalse = failedWhenFalse;
        }

        public HashSet<SyntaxNode>? FailedWhenTrue { get; }

        public HashSet<SyntaxNode>? FailedWhenFalse { get; }

        public bool Mentions(SyntaxNode call) => FailedWhenTrue?.Contains(call) == true || FailedWhenFalse?.Contains(call) == true;
    }

    /// <summary>
    /// The state between operations: what each variable holds, which mappings may be unmapped, whose failure may be
    /// unchecked. Persistent collections: a branch copies a state in constant time and each change costs log n, so a
    /// method with n mappings and n branches stays near linear (copying dictionaries at every branch made it quadratic).
    /// </summary>
    internal sealed class FlowState
    {
        private static readonly ImmutableDictionary<object, AddressFact> NoHolders = ImmutableDictionary.Create<object, AddressFact>(VariableComparer.Instance);

        public FlowState()
        {
        }

        private static readonly ImmutableHashSet<object> NoFields = ImmutableHashSet.Create<object>(VariableComparer.Instance);

        private FlowState(FlowState other)
        {
            Holders = other.Holders;
            Unmapped = other.Unmapped;
            DescendFrom(other);
            Unchecked = other.Unchecked;
            _fieldHolders = other._fieldHolders;
            _unmappedFieldSites = other._unmappedFieldSites;
            Bools = other.Bools;
            _unmappedWhen = other._unmappedWhen;
            BoolFailures = other.BoolFailures;
            MunmapResults = other.MunmapResults;
        }

        // Joining the unmapped mappings of two arms compares only what the arms changed, as a log: the state this one is a
        // clone of (with how long its log was then) and the mappings this one added to or removed from Unmapped since.
        // A loop body with thousands of munmaps on branches would otherwise compare every mapping at every join.
        private FlowState? _cloneOf;
        private int _cloneMark;
        private List<MappingSite>? _unmappedLog;

        // The same for Holders: the variables this state set or removed since it was cloned, so that a join looks only at
        // the variables either arm wrote (a method with thousands of pointer locals would otherwise merge them all at
        // every join, and a loop of such joins would cost the square of its locals).
        private int _holderMark;
        private List<object>? _holderLog;

        /// <summary>How far up the clones two joined states look for the state they came from.</summary>
        private const int AncestorSearchDepth = 32;

        private int _lineLength;

        // A line twice as long as the search goes is cut where the search from here stops, so that a long flow does not
        // keep every state it ever made, while every new state still finds its recent ancestors (a line cut at its new
        // end would leave each later join to compare every mapping).
        private void DescendFrom(FlowState origin)
        {
            _cloneOf = origin;
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

        private static readonly ImmutableDictionary<object, bool> NoBools = ImmutableDictionary.Create<object, bool>(VariableComparer.Instance);

        /// <summary>The bool locals and parameters whose value is known on every path to here (<c>freed = true</c>, the arm of <c>if (freed)</c>).</summary>
        public ImmutableDictionary<object, bool> Bools { get; private set; } = NoBools;

        // For a mapping in Unmapped: the bools known on every path on which it is unmapped. An edge whose condition
        // contradicts them is a path on which it is still mapped: `if (error) { munmap(p); freed = true; } if (!freed) munmap(p);`
        // unmaps once on every path.
        private ImmutableDictionary<MappingSite, ImmutableDictionary<object, bool>> _unmappedWhen = ImmutableDictionary<MappingSite, ImmutableDictionary<object, bool>>.Empty;

        private static readonly ImmutableDictionary<object, MremapOutcome> NoBoolFailures = ImmutableDictionary.Create<object, MremapOutcome>(VariableComparer.Instance);

        /// <summary>The bool variables that hold a test of mremap results (<c>bool moved = q != MAP_FAILED;</c>): which
        /// calls failed where the bool is true and where it is false, as the test proved when the bool was assigned.</summary>
        public ImmutableDictionary<object, MremapOutcome> BoolFailures { get; private set; } = NoBoolFailures;

        private static readonly ImmutableDictionary<object, SyntaxNode> NoMunmapResults = ImmutableDictionary.Create<object, SyntaxNode>(VariableComparer.Instance);

        /// <summary>The integer locals that hold a munmap call's result on every path to here (<c>rc = munmap(p, n)</c>), with the call.</summary>
        public ImmutableDictionary<object, SyntaxNode> MunmapResults { get; private set; } = NoMunmapResults;

        public void AssignMunmapResult(object key, SyntaxNode? call) =>
            MunmapResults = call is null ? MunmapResults.Remove(key) : MunmapResults.SetItem(key, call);

        /// <summary>A bool variable is assigned a test of mremap results (null: anything else).</summary>
        public void AssignBoolFailures(object key, MremapOutcome? outcome) =>
            BoolFailures = outcome is null ? BoolFailures.Remove(key) : BoolFailures.SetItem(key, outcome);

        /// <summary>An mremap call runs again: what bools proved of its earlier result no longer holds.</summary>
        public void ForgetBoolFailuresOf(SyntaxNode call)
        {
            foreach (KeyValuePair<object, MremapOutcome> pair in BoolFailures)
            {
                if (pair.Value.Mentions(call))
                {
                    BoolFailures = BoolFailures.Remove(pair.Key);
                }
            }
        }

        /// <summary>Beyond this many unmapped mappings, the bools are not kept with each (a bool write visits them all).</summary>
        private const int MaxCorrelatedMappings = 64;

        /// <summary>A bool variable is written: its value from now on, or null when not a constant.</summary>
        public void AssignBool(object key, bool? value)
        {
            Bools = value is bool known ? Bools.SetItem(key, known) : Bools.Remove(key);
            if (_unmappedWhen.IsEmpty)
            {
                return;
            }

            // Every mapping unmapped on this path sees the write.
            ImmutableDictionary<MappingSite, ImmutableDictionary<object, bool>>.Builder updated = _unmappedWhen.ToBuilder();
            foreach (KeyValuePair<MappingSite, ImmutableDictionary<object, bool>> entry in _unmappedWhen)
            {
                updated[entry.Key] = value is bool b ? entry.Value.SetItem(key, b) : entry.Value.Remove(key);
            }

            _unmappedWhen = updated.ToImmutable();
        }

        /// <summary>
        /// The state on a branch where the bool variable is <paramref name="value"/>: null when this state knows the
        /// opposite (no path takes the branch); the mappings unmapped only on paths where it is the opposite are mapped here.
        /// </summary>
        public FlowState? Assume(object key, bool value)
        {
            if (Bools.TryGetValue(key, out bool known))
            {
                return known == value ? this : null;
            }

            FlowState assumed = Clone();
            assumed.Bools = Bools.SetItem(key, value);
            foreach (KeyValuePair<MappingSite, ImmutableDictionary<object, bool>> entry in _unmappedWhen)
            {
                if (entry.Value.TryGetValue(key, out bool when) && when != value)
                {
                    assumed.RemoveUnmapped(entry.Key);
                }
            }

            return assumed;
        }

        // What a call of another method of the type forgets, kept aside so that forgetting costs the fields, not every
        // variable of the body: the field keys of Holders and the field mappings of Unmapped (both may hold more).
        private ImmutableHashSet<object> _fieldHolders = NoFields;
        private ImmutableHashSet<MappingSite> _unmappedFieldSites = ImmutableHashSet<MappingSite>.Empty;

        public ImmutableDictionary<object, AddressFact> Holders { get; private set; } = NoHolders;

        /// <summary>Mappings that may have been unmapped on some path to here, with the first munmap that did.</summary>
        public ImmutableDictionary<MappingSite, SyntaxNode> Unmapped { get; private set; } = ImmutableDictionary<MappingSite, SyntaxNode>.Empty;

        /// <summary>mmap results that may not have been checked for failure on some path to here.</summary>
        public ImmutableHashSet<MappingSite> Unchecked { get; private set; } = ImmutableHashSet<MappingSite>.Empty;

        public FlowState Clone() => new FlowState(this);

        public void SetHolder(object key, AddressFact fact)
        {
            Holders = Holders.SetItem(key, fact);
            LogHolder(key);
            if (key is IFieldSymbol)
            {
                _fieldHolders = _fieldHolders.Add(key);
            }
        }

        public void RemoveHolder(object key)
        {
            Holders = Holders.Remove(key);
            LogHolder(key);
        }

        private void LogHolder(object key) => (_holderLog ??= new List<object>()).Add(key);

        public void SetUnmapped(MappingSite site, SyntaxNode munmap)
        {
            Unmapped = Unmapped.SetItem(site, munmap);
            LogUnmapped(site);
            _unmappedWhen = Bools.IsEmpty || Unmapped.Count > MaxCorrelatedMappings ? _unmappedWhen.Remove(site) : _unmappedWhen.SetItem(site, Bools);
            if (site.OfField)
            {
                _unmappedFieldSites = _unmappedFieldSites.Add(site);
            }
        }

        /// <summary>What another method of the type may change: the fields' holders and whether their mappings are unmapped.</summary>
        public void ForgetFields()
        {
            if (!_fieldHolders.IsEmpty)
            {
                Holders = Holders.RemoveRange(_fieldHolders);
                foreach (object field in _fieldHolders)
                {
                    LogHolder(field);
                }

                _fieldHolders = NoFields;
            }

            if (!_unmappedFieldSites.IsEmpty)
            {
                Unmapped = Unmapped.RemoveRange(_unmappedFieldSites);
                foreach (MappingSite site in _unmappedFieldSites)
                {
                    LogUnmapped(site);
                }

                _unmappedWhen = _unmappedWhen.RemoveRange(_unmappedFieldSites);
                _unmappedFieldSites = _unmappedFieldSites.Clear();
            }
        }

        public void RemoveUnmapped(MappingSite site)
        {
            Unmapped = Unmapped.Remove(site);
            LogUnmapped(site);
            _unmappedWhen = _unmappedWhen.Remove(site);
        }

        public void AddUnchecked(MappingSite site) => Unchecked = Unchecked.Add(site);

        /// <summary>Marks a mapping checked; true when it was unchecked until now.</summary>
        public bool RemoveUnchecked(MappingSite site)
        {
            ImmutableHashSet<MappingSite> after = Unchecked.Remove(site);
            bool removed = !ReferenceEquals(after, Unchecked);
            Unchecked = after;
            return removed;
        }

        /// <summary>Joins two paths: a variable known on one path only is unknown, "may" sets are united.</summary>
        public FlowState Merge(FlowState other)
        {
            var merged = new FlowState
            {
                _fieldHolders = ReferenceEquals(_fieldHolders, other._fieldHolders) ? _fieldHolders : _fieldHolders.Union(other._fieldHolders),
                _unmappedFieldSites = ReferenceEquals(_unmappedFieldSites, other._unmappedFieldSites) ? _unmappedFieldSites : _unmappedFieldSites.Union(other._unmappedFieldSites),
            };
            // The join is this state plus the mappings the other adds, logged: later joins can trace it back to this one.
            merged.DescendFrom(this);
            (merged.Holders, merged._holderLog) = MergeHolders(this, other);
            if (ReferenceEquals(Unmapped, other.Unmapped))
            {
                merged.Unmapped = Unmapped;
            }
            else
            {
                (merged.Unmapped, merged._unmappedLog) = UnionOfChanges(this, other) ?? Union(Unmapped, other.Unmapped);
            }
            merged.Bools = ReferenceEquals(Bools, other.Bools) ? Bools : Agreeing(Bools, other.Bools);
            merged._unmappedWhen = ReferenceEquals(_unmappedWhen, other._unmappedWhen) ? _unmappedWhen : UnmappedWhen(this, other);
            merged.BoolFailures = ReferenceEquals(BoolFailures, other.BoolFailures) ? BoolFailures : SameOnBothSides(BoolFailures, other.BoolFailures);
            merged.MunmapResults = ReferenceEquals(MunmapResults, other.MunmapResults) ? MunmapResults : SameOnBothSides(MunmapResults, other.MunmapResults);
            merged.Unchecked = ReferenceEquals(Unchecked, other.Unchecked) ? Unchecked : Unchecked.Union(other.Unchecked);
            return merged;
        }

        /// <summary>
        /// The join of two states' holders, with the variables where it differs from <paramref name="a"/>'s (the joined
        /// state's log). A branch that touched no holder leaves the very same map on both paths: the join is that map. Two
        /// states from one origin near enough differ only in the variables either wrote since: only those are joined.
        /// </summary>
        private static (ImmutableDictionary<object, AddressFact> Holders, List<object>? Changed) MergeHolders(FlowState a, FlowState b)
        {
            ImmutableDictionary<object, AddressFact> mine = a.Holders, theirs = b.Holders;
            if (ReferenceEquals(mine, theirs))
            {
                return (mine, null);
            }

            if (ChangesSinceCommonOrigin(a, b, s => s._holderLog, s => s._holderMark) is { } changed)
            {
                ImmutableDictionary<object, AddressFact> result = mine;
                List<object>? differs = null;
                var seen = new HashSet<object>(VariableComparer.Instance);
                foreach (IEnumerable<object> keys in changed)
                {
                    foreach (object key in keys)
                    {
                        if (!seen.Add(key))
                        {
                            continue;
                        }

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
                }

                return (result, differs);
            }

            return (MergeAllHolders(mine, theirs), new List<object>(mine.Keys.Concat(theirs.Keys)));
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
        /// The union of two states' Unmapped from the mappings changed since the state they both come from (found up their
        /// clones): every other mapping is in both or in neither. Null when they share no origin near enough.
        /// </summary>
        private static (ImmutableDictionary<MappingSite, SyntaxNode> Union, List<MappingSite>? Added)? UnionOfChanges(FlowState a, FlowState b) =>
            ChangesSinceCommonOrigin(a, b, s => s._unmappedLog, s => s._cloneMark) is { } changed ? AddMissing(a.Unmapped, b.Unmapped, changed) : null;

        /// <summary>
        /// The entries of a change log (<paramref name="logOf"/>, with <paramref name="markOf"/> the log length of the state
        /// a state was cloned from, at the time) written on either state's line of clones since the state both come from;
        /// null when they share no origin within <see cref="AncestorSearchDepth"/> clones.
        /// </summary>
        private static List<IEnumerable<T>>? ChangesSinceCommonOrigin<T>(FlowState a, FlowState b, Func<FlowState, List<T>?> logOf, Func<FlowState, int> markOf)
        {
            // a's line: each state, and the log length of the one above it when the state below was cloned from it.
            var line = new Dictionary<FlowState, int>(ReferenceComparer.Instance);
            int depth = 0;
            int below = int.MaxValue;
            for (FlowState? s = a; s is not null && depth < AncestorSearchDepth; below = markOf(s), s = s._cloneOf, depth++)
            {
                line[s] = below == int.MaxValue ? logOf(s)?.Count ?? 0 : below;
            }

            var changed = new List<IEnumerable<T>>();
            below = int.MaxValue;
            depth = 0;
            for (FlowState? s = b; s is not null && depth < AncestorSearchDepth; below = markOf(s), s = s._cloneOf, depth++)
            {
                if (line.TryGetValue(s, out int aMark))
                {
                    // The origin: its changes between the two lines' departures, and every change on a's line below it.
                    int bMark = below == int.MaxValue ? logOf(s)?.Count ?? 0 : below;
                    if (logOf(s) is { } log)
                    {
                        int from = System.Math.Min(aMark, bMark), to = System.Math.Min(log.Count, System.Math.Max(aMark, bMark));
                        changed.Add(log.Skip(from).Take(to - from));
                    }

                    for (FlowState? t = a; t is not null && !ReferenceEquals(t, s); t = t._cloneOf)
                    {
                        if (logOf(t) is { } tLog)
                        {
                            changed.Add(tLog);
                        }
                    }

                    return changed;
                }

                if (logOf(s) is { } sLog)
                {
                    changed.Add(sLog);
                }
            }

            return null;
        }

        /// <summary><paramref name="mine"/> with the mappings of <paramref name="theirs"/> it lacks, looked for among the changed ones.</summary>
        private static (ImmutableDictionary<MappingSite, SyntaxNode> Union, List<MappingSite>? Added) AddMissing(ImmutableDictionary<MappingSite, SyntaxNode> mine,
            ImmutableDictionary<MappingSite, SyntaxNode> theirs, List<IEnumerable<MappingSite>> changed)
        {
            ImmutableDictionary<MappingSite, SyntaxNode> union = mine;
            List<MappingSite>? added = null;
            foreach (IEnumerable<MappingSite> sites in changed)
            {
                foreach (MappingSite site in sites)
                {
                    if (!union.ContainsKey(site) && theirs.TryGetValue(site, out SyntaxNode? first))
                    {
                        union = union.SetItem(site, first);
                        (added ??= new List<MappingSite>()).Add(site);
                    }
                }
            }

            return (union, added);
        }

        private sealed class ReferenceComparer : IEqualityComparer<FlowState>
        {
            public static readonly ReferenceComparer Instance = new ReferenceComparer();

            public bool Equals(FlowState? x, FlowState? y) => ReferenceEquals(x, y);

            public int GetHashCode(FlowState obj) => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(obj);
        }

        /// <summary>The bools both maps know with the same value.</summary>
        private static ImmutableDictionary<object, bool> Agreeing(ImmutableDictionary<object, bool> mine, ImmutableDictionary<object, bool> theirs)
        {
            if (mine.IsEmpty || theirs.IsEmpty)
            {
                return NoBools;
            }

            ImmutableDictionary<object, bool> agreeing = mine;
            foreach (KeyValuePair<object, bool> pair in mine)
            {
                if (!theirs.TryGetValue(pair.Key, out bool other) || other != pair.Value)
                {
                    agreeing = agreeing.Remove(pair.Key);
                }
            }

            return agreeing;
        }

        /// <summary>The entries both sides hold with the very same value (a bool test from the same assignment, a munmap
        /// result from the same call).</summary>
        private static ImmutableDictionary<object, T> SameOnBothSides<T>(ImmutableDictionary<object, T> mine, ImmutableDictionary<object, T> theirs)
            where T : class
        {
            ImmutableDictionary<object, T> same = mine;
            foreach (KeyValuePair<object, T> pair in mine)
            {
                if (!theirs.TryGetValue(pair.Key, out T? other) || !ReferenceEquals(other, pair.Value))
                {
                    same = same.Remove(pair.Key);
                }
            }

            return same;
        }

        /// <summary>A mapping unmapped on both sides keeps the bools both sides knew it by; on one side, that side's.</summary>
        private static ImmutableDictionary<MappingSite, ImmutableDictionary<object, bool>> UnmappedWhen(FlowState a, FlowState b)
        {
            ImmutableDictionary<MappingSite, ImmutableDictionary<object, bool>>.Builder merged = ImmutableDictionary.CreateBuilder<MappingSite, ImmutableDictionary<object, bool>>();
            foreach (KeyValuePair<MappingSite, ImmutableDictionary<object, bool>> entry in a._unmappedWhen)
            {
                if (!b.Unmapped.ContainsKey(entry.Key))
                {
                    merged[entry.Key] = entry.Value;
                }
                else if (b._unmappedWhen.TryGetValue(entry.Key, out ImmutableDictionary<object, bool>? theirs))
                {
                    ImmutableDictionary<object, bool> both = Agreeing(entry.Value, theirs);
                    if (!both.IsEmpty)
                    {
                        merged[entry.Key] = both;
                    }
                }
            }

            foreach (KeyValuePair<MappingSite, ImmutableDictionary<object, bool>> entry in b._unmappedWhen)
            {
                if (!a.Unmapped.ContainsKey(entry.Key))
                {
                    merged[entry.Key] = entry.Value;
                }
            }

            return merged.ToImmutable();
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

        /// <summary>True when both states hold the very same collections (a constant-time form of <see cref="SameAs"/>).</summary>
        public bool IsSameInstanceAs(FlowState other) =>
            ReferenceEquals(Holders, other.Holders) && ReferenceEquals(Unmapped, other.Unmapped) && ReferenceEquals(Unchecked, other.Unchecked)
            && ReferenceEquals(Bools, other.Bools) && ReferenceEquals(_unmappedWhen, other._unmappedWhen)
            && ReferenceEquals(BoolFailures, other.BoolFailures) && ReferenceEquals(MunmapResults, other.MunmapResults);

        public bool SameAs(FlowState other)
        {
            if (IsSameInstanceAs(other))
            {
                return true;
            }

            if (Holders.Count != other.Holders.Count || Unmapped.Count != other.Unmapped.Count || !Unchecked.SetEquals(other.Unchecked)
                || Bools.Count != other.Bools.Count || _unmappedWhen.Count != other._unmappedWhen.Count
                || BoolFailures.Count != other.BoolFailures.Count || MunmapResults.Count != other.MunmapResults.Count)
            {
                return false;
            }

            // Joins only drop bools (from the state, from each unmapped mapping, and their mremap tests): equal counts are equal maps.
            foreach (KeyValuePair<MappingSite, ImmutableDictionary<object, bool>> entry in _unmappedWhen)
            {
                if (!other._unmappedWhen.TryGetValue(entry.Key, out ImmutableDictionary<object, bool>? theirs) || theirs.Count != entry.Value.Count)
                {
                    return false;
                }
            }

            // From one origin near enough, only what either line wrote since may differ (a loop's states are compared at
            // every pass: comparing every variable and mapping each time would cost the square of a long body's).
            IEnumerable<object> holderKeys = ChangesSinceCommonOrigin(this, other, s => s._holderLog, s => s._holderMark) is { } changedHolders
                ? changedHolders.SelectMany(keys => keys)
                : Holders.Keys;
            foreach (object key in holderKeys)
            {
                bool mineHas = Holders.TryGetValue(key, out AddressFact? ours);
                if (mineHas != other.Holders.TryGetValue(key, out AddressFact? theirs) || (mineHas && !ours!.Equals(theirs)))
                {
                    return false;
                }
            }

            IEnumerable<MappingSite> sites = ChangesSinceCommonOrigin(this, other, s => s._unmappedLog, s => s._cloneMark) is { } changedSites
                ? changedSites.SelectMany(changed => changed)
                : Unmapped.Keys;
            foreach (MappingSite site in sites)
            {
                if (Unmapped.ContainsKey(site) != other.Unmapped.ContainsKey(site))
                {
                    return false;
                }
            }

            return true;
        }
    }

    /// <summary>Symbols by symbol equality, flow captures by id.</summary>
    internal sealed class VariableComparer : IEqualityComparer<object>
    {
        public static readonly VariableComparer Instance = new VariableComparer();

        public new bool Equals(object? x, object? y) =>
            x is ISymbol a && y is ISymbol b ? SymbolEqualityComparer.Default.Equals(a, b) : object.Equals(x, y);

        public int GetHashCode(object obj) => obj is ISymbol s ? SymbolEqualityComparer.Default.GetHashCode(s) : obj.GetHashCode();
    }

    /// <summary>The holder of a value: a local, parameter, field of this instance or static, or a flow capture.</summary>
    internal static class Variables
    {
        public static object? KeyOf(IOperation? operation) => operation switch
        {
            ILocalReferenceOperation local when local.Local.RefKind == RefKind.None => local.Local,
            IParameterReferenceOperation parameter when parameter.Parameter.RefKind == RefKind.None => parameter.Parameter,
            IFieldReferenceOperation field when field.Field.IsStatic || field.Instance is IInstanceReferenceOperation => field.Field,
            IFlowCaptureReferenceOperation capture => capture.Id,
            _ => null,
        };
    }
}
