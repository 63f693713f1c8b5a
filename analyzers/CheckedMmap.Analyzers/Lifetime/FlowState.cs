using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace CheckedMmap.Analyzers.Lifetime
{
    /// <summary>
    /// The state between operations: what each variable holds, which mappings may be unmapped, whose failure may be
    /// unchecked. Persistent collections: a branch copies a state in constant time and each change costs log n, so a
    /// method with n mappings and n branches stays near linear (copying dictionaries at every branch made it quadratic).
    /// </summary>
    internal sealed partial class FlowState
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
            _sweepAt = other._sweepAt;
        }

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
                _sweepAt = System.Math.Max(_sweepAt, other._sweepAt),
            };
            // The join is this state plus what the other adds, logged: later joins can trace it back to this one.
            merged.DescendFrom(this);
            Lineage? lineage = Lineage.Find(this, other);
            (merged.Holders, merged._holderLog) = MergeHolders(this, other, lineage);
            if (ReferenceEquals(Unmapped, other.Unmapped))
            {
                merged.Unmapped = Unmapped;
            }
            else
            {
                (merged.Unmapped, merged._unmappedLog) = UnionOfUnmapped(this, other, lineage);
            }

            merged.Bools = ReferenceEquals(Bools, other.Bools) ? Bools : Agreeing(Bools, other.Bools);
            merged._unmappedWhen = ReferenceEquals(_unmappedWhen, other._unmappedWhen) ? _unmappedWhen : UnmappedWhen(this, other);
            merged.BoolFailures = ReferenceEquals(BoolFailures, other.BoolFailures) ? BoolFailures : SameOnBothSides(BoolFailures, other.BoolFailures);
            merged.MunmapResults = ReferenceEquals(MunmapResults, other.MunmapResults) ? MunmapResults : SameOnBothSides(MunmapResults, other.MunmapResults);
            merged.Unchecked = ReferenceEquals(Unchecked, other.Unchecked) ? Unchecked : Unchecked.Union(other.Unchecked);
            return merged;
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
            if (Lineage.Find(this, other) is { } lineage)
            {
                foreach (object key in HolderChanges(lineage))
                {
                    if (!SameHolder(other, key))
                    {
                        return false;
                    }
                }

                foreach (MappingSite site in UnmappedChanges(lineage))
                {
                    if (Unmapped.ContainsKey(site) != other.Unmapped.ContainsKey(site))
                    {
                        return false;
                    }
                }

                return true;
            }

            foreach (object key in Holders.Keys)
            {
                if (!SameHolder(other, key))
                {
                    return false;
                }
            }

            foreach (MappingSite site in Unmapped.Keys)
            {
                if (!other.Unmapped.ContainsKey(site))
                {
                    return false;
                }
            }

            return true;
        }

        private bool SameHolder(FlowState other, object key)
        {
            bool mineHas = Holders.TryGetValue(key, out AddressFact? ours);
            return mineHas == other.Holders.TryGetValue(key, out AddressFact? theirs) && (!mineHas || ours!.Equals(theirs));
        }
    }
}
