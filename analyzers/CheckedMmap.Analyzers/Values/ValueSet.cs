using System;
using System.Collections.Generic;
using System.Linq;

namespace CheckedMmap.Analyzers.Values
{
    /// <summary>
    /// What an argument can be: a small set of 64-bit values (two's complement bit patterns), or unknown.
    /// The set is bounded so that loops and combinatorial ternaries end in <see cref="Unknown"/> instead of blowing up.
    /// An empty set means "no definition reaches here" (unreachable or unassigned) and is never reported on.
    /// </summary>
    internal sealed class ValueSet : IEquatable<ValueSet>
    {
        public const int MaxCount = 32;

        public static readonly ValueSet Unknown = new ValueSet(Array.Empty<long>(), isUnknown: true);
        public static readonly ValueSet Empty = new ValueSet(Array.Empty<long>(), isUnknown: false);

        private readonly long[] _values;

        private ValueSet(long[] sortedDistinct, bool isUnknown)
        {
            _values = sortedDistinct;
            IsUnknown = isUnknown;
        }

        public bool IsUnknown { get; }

        public bool IsEmpty => !IsUnknown && _values.Length == 0;

        /// <summary>True when the set is known and holds at least one value: only then can a rule decide.</summary>
        public bool IsKnown => !IsUnknown && _values.Length > 0;

        public IReadOnlyList<long> Values => _values;

        public static ValueSet Single(long value) => new ValueSet(new[] { value }, isUnknown: false);

        public static ValueSet From(IEnumerable<long> values)
        {
            var distinct = new SortedSet<long>();
            foreach (long v in values)
            {
                distinct.Add(v);
                if (distinct.Count > MaxCount)
                {
                    return Unknown;
                }
            }

            return distinct.Count == 0 ? Empty : new ValueSet(distinct.ToArray(), isUnknown: false);
        }

        public ValueSet Union(ValueSet other)
        {
            if (IsUnknown || other.IsUnknown)
            {
                return Unknown;
            }

            if (other._values.Length == 0)
            {
                return this;
            }

            if (_values.Length == 0)
            {
                return other;
            }

            return From(_values.Concat(other._values));
        }

        public ValueSet Map(Func<long, long> map)
        {
            if (IsUnknown)
            {
                return Unknown;
            }

            return From(_values.Select(map));
        }

        /// <summary>Every combination of a value of each side (the operands are not correlated as far as we know).</summary>
        public static ValueSet Combine(ValueSet left, ValueSet right, Func<long, long, long> combine)
        {
            if (left.IsUnknown || right.IsUnknown)
            {
                return Unknown;
            }

            if (left._values.Length * right._values.Length > MaxCount * MaxCount)
            {
                return Unknown;
            }

            var results = new List<long>(left._values.Length * right._values.Length);
            foreach (long l in left._values)
            {
                foreach (long r in right._values)
                {
                    results.Add(combine(l, r));
                }
            }

            return From(results);
        }

        public bool Equals(ValueSet? other) =>
            other is not null && IsUnknown == other.IsUnknown && _values.SequenceEqual(other._values);

        public override bool Equals(object? obj) => Equals(obj as ValueSet);

        public override int GetHashCode()
        {
            int hash = IsUnknown ? 1 : 0;
            foreach (long v in _values)
            {
                hash = (hash * 31) ^ v.GetHashCode();
            }

            return hash;
        }

        public override string ToString() => IsUnknown ? "unknown" : "{" + string.Join(", ", _values) + "}";
    }
}
