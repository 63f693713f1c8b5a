using System;
using System.Collections.Generic;
using System.Linq;

namespace CheckedMmap.Analyzers.Values
{
    /// <summary>
    /// What an argument can be: a small set of 64-bit values (two's complement bit patterns), or unknown.
    /// The set is bounded so that loops and combinatorial ternaries end in <see cref="Unknown"/> instead of blowing up.
    /// An empty set means "no definition reaches here" (unreachable or unassigned) and is never reported on.
    /// A set may also hold "a file descriptor" (<see cref="HasDescriptor"/>): a value not known, but known not to be -1
    /// (what <c>open</c> returns on success, or what is left after <c>if (fd &lt; 0) return;</c>). Such a set counts as
    /// unknown for every rule but the file-descriptor one.
    /// </summary>
    internal sealed class ValueSet : IEquatable<ValueSet>
    {
        public const int MaxCount = 32;

        public static readonly ValueSet Unknown = new ValueSet(Array.Empty<long>(), isUnknown: true);
        public static readonly ValueSet Empty = new ValueSet(Array.Empty<long>(), isUnknown: false);

        /// <summary>A file descriptor: some value other than -1, not known which.</summary>
        public static readonly ValueSet Descriptor = new ValueSet(Array.Empty<long>(), isUnknown: true, hasDescriptor: true);

        private readonly long[] _values;

        private ValueSet(long[] sortedDistinct, bool isUnknown, bool hasDescriptor = false)
        {
            _values = sortedDistinct;
            IsUnknown = isUnknown;
            HasDescriptor = hasDescriptor;
        }

        private ValueSet(long mustBits, long mayBits)
        {
            _values = Array.Empty<long>();
            IsUnknown = true;
            HasBits = true;
            MustBits = mustBits;
            MayBits = mayBits | mustBits;
        }

        /// <summary>
        /// More values than the set keeps (six optional flag bits make 64), summarised as bit masks: then
        /// <see cref="IsUnknown"/> is true too, and only rules about single bits (MAP_FIXED, MAP_SHARED) read the masks.
        /// </summary>
        public bool HasBits { get; }

        /// <summary>With <see cref="HasBits"/>: the bits set in every value.</summary>
        public long MustBits { get; }

        /// <summary>With <see cref="HasBits"/>: the bits set in at least one value.</summary>
        public long MayBits { get; }

        /// <summary>The masks of these values (of a known set, or of a set already summarised); null for Unknown.</summary>
        private (long Must, long May)? Masks()
        {
            if (HasBits)
            {
                return (MustBits, MayBits);
            }

            if (IsUnknown || _values.Length == 0)
            {
                return null;
            }

            long must = -1, may = 0;
            foreach (long v in _values)
            {
                must &= v;
                may |= v;
            }

            return (must, may);
        }

        /// <summary>
        /// <c>left | right</c> or <c>left &amp; right</c> of every pair; when there are more results than a set keeps,
        /// their bit masks (exact for these two operators) instead of Unknown.
        /// </summary>
        public static ValueSet CombineBits(ValueSet left, ValueSet right, bool or)
        {
            if (!left.HasBits && !right.HasBits)
            {
                ValueSet exact = Combine(left, right, or ? (l, r) => l | r : (l, r) => l & r);
                if (!exact.IsUnknown || left.IsUnknown || right.IsUnknown)
                {
                    return exact;
                }
            }

            if (left.Masks() is not { } l || right.Masks() is not { } r)
            {
                return Unknown;
            }

            return or ? new ValueSet(l.Must | r.Must, l.May | r.May) : new ValueSet(l.Must & r.Must, l.May & r.May);
        }

        public bool IsUnknown { get; }

        /// <summary>
        /// The set holds a file descriptor (a value other than -1) besides <see cref="Values"/>; then <see cref="IsUnknown"/>
        /// is true too, so that only rules that look for descriptors read it.
        /// </summary>
        public bool HasDescriptor { get; }

        public bool IsEmpty => !IsUnknown && _values.Length == 0;

        /// <summary>True when the set is known and holds at least one value: only then can a rule decide.</summary>
        public bool IsKnown => !IsUnknown && _values.Length > 0;

        public IReadOnlyList<long> Values => _values;

        /// <summary>As a condition: true when every value is non-zero, false when every value is zero, else null.</summary>
        public bool? Decided()
        {
            if (!IsKnown)
            {
                return null;
            }

            bool anyTrue = false, anyFalse = false;
            foreach (long value in _values)
            {
                anyTrue |= value != 0;
                anyFalse |= value == 0;
            }

            return anyTrue == anyFalse ? null : anyTrue;
        }

        // Single small values (-1, 0, protections, flag words, page-sized lengths) come up for nearly every argument;
        // they are shared, made once each, instead of an object and an array per evaluation.
        private const long SmallestShared = -1, LargestShared = 4096;
        private static readonly ValueSet?[] SharedSingles = new ValueSet?[LargestShared - SmallestShared + 1];

        public static ValueSet Single(long value)
        {
            if (value < SmallestShared || value > LargestShared)
            {
                return new ValueSet(new[] { value }, isUnknown: false);
            }

            // A race makes two equal sets, one of which is kept: sets are compared by value, never by identity.
            ref ValueSet? shared = ref SharedSingles[value - SmallestShared];
            return shared ??= new ValueSet(new[] { value }, isUnknown: false);
        }

        public static ValueSet From(IEnumerable<long> values) =>
            FromOwned(values is long[] array ? (long[])array.Clone() : values.ToArray());

        /// <summary>A set of <paramref name="sorted"/>'s values; the array is the caller's to give (sorted in place, kept).</summary>
        private static ValueSet FromOwned(long[] sorted)
        {
            // Sorted and deduplicated in one array (no set of nodes): this runs for every operator of every argument.
            if (sorted.Length <= 1)
            {
                return sorted.Length == 0 ? Empty : Single(sorted[0]);
            }

            Array.Sort(sorted);
            int count = 1;
            for (int i = 1; i < sorted.Length; i++)
            {
                if (sorted[i] != sorted[count - 1])
                {
                    sorted[count++] = sorted[i];
                }
            }

            if (count > MaxCount)
            {
                return Unknown;
            }

            if (count < sorted.Length)
            {
                Array.Resize(ref sorted, count);
            }

            return new ValueSet(sorted, isUnknown: false);
        }

        public ValueSet Union(ValueSet other)
        {
            if (HasBits || other.HasBits)
            {
                return Masks() is { } mine && other.Masks() is { } theirs ? new ValueSet(mine.Must & theirs.Must, mine.May | theirs.May) : Unknown;
            }

            if (HasDescriptor || other.HasDescriptor)
            {
                return (IsUnknown && !HasDescriptor) || (other.IsUnknown && !other.HasDescriptor)
                    ? Unknown
                    : WithDescriptor(_values.Concat(other._values));
            }

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

            ValueSet union = From(_values.Concat(other._values));
            if (union.IsUnknown && Masks() is { } a && other.Masks() is { } b)
            {
                return new ValueSet(a.Must & b.Must, a.May | b.May); // too many values: keep what every one has
            }

            return union;
        }

        /// <summary>A file descriptor, or one of <paramref name="values"/>.</summary>
        public static ValueSet WithDescriptor(IEnumerable<long> values)
        {
            ValueSet known = From(values);
            return known.IsUnknown ? Unknown : known.IsEmpty ? Descriptor : new ValueSet(known._values, isUnknown: true, hasDescriptor: true);
        }

        /// <summary>
        /// The values left on a path where <paramref name="holds"/> is known to hold: known values are filtered; an unknown
        /// value becomes a file descriptor when -1 cannot pass (after <c>if (fd &lt; 0) return;</c>).
        /// </summary>
        public ValueSet Where(Func<long, bool> holds)
        {
            if (IsUnknown && !HasDescriptor)
            {
                return holds(-1) ? this : Descriptor;
            }

            long[] kept = Filter(_values, holds);
            if (HasDescriptor)
            {
                // A descriptor is a number from 0 up: a test none of those pass (fd < 0, fd == -1) leaves no descriptor.
                return DescriptorMayPass(holds) ? WithDescriptor(kept) : kept.Length == 0 ? Empty : new ValueSet(kept, isUnknown: false);
            }

            return kept.Length == _values.Length ? this : kept.Length == 0 ? Empty : new ValueSet(kept, isUnknown: false);
        }

        /// <summary>Whether some descriptor may pass a test of a constant comparison (probed at numbers descriptors take).</summary>
        private static bool DescriptorMayPass(Func<long, bool> holds) =>
            holds(0) || holds(1) || holds(2) || holds(3) || holds(64) || holds(1024) || holds(int.MaxValue);

        private static long[] Filter(long[] values, Func<long, bool> holds)
        {
            int count = 0;
            foreach (long v in values)
            {
                count += holds(v) ? 1 : 0;
            }

            if (count == values.Length)
            {
                return values;
            }

            var kept = new long[count];
            int at = 0;
            foreach (long v in values)
            {
                if (holds(v))
                {
                    kept[at++] = v;
                }
            }

            return kept;
        }

        /// <summary>A conversion of every value: like <see cref="Map"/>, but a file descriptor stays one.</summary>
        public ValueSet Convert(Func<long, long> convert) =>
            HasDescriptor ? WithDescriptor(Mapped(convert))
            : HasBits ? (MayBits >= 0 && MayBits <= int.MaxValue && convert(MayBits) == MayBits && convert(MustBits) == MustBits ? this : Unknown)
            : Map(convert);

        public ValueSet Map(Func<long, long> map)
        {
            if (IsUnknown)
            {
                return Unknown;
            }

            return FromOwned(Mapped(map));
        }

        private long[] Mapped(Func<long, long> map)
        {
            var mapped = new long[_values.Length];
            for (int i = 0; i < mapped.Length; i++)
            {
                mapped[i] = map(_values[i]);
            }

            return mapped;
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

            if (left._values.Length == 1 && right._values.Length == 1)
            {
                return Single(combine(left._values[0], right._values[0]));
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
            other is not null && IsUnknown == other.IsUnknown && HasDescriptor == other.HasDescriptor && HasBits == other.HasBits
            && MustBits == other.MustBits && MayBits == other.MayBits && _values.SequenceEqual(other._values);

        public override bool Equals(object? obj) => Equals(obj as ValueSet);

        public override int GetHashCode()
        {
            int hash = (IsUnknown ? 1 : 0) + (HasDescriptor ? 2 : 0) + (HasBits ? (int)(MustBits ^ (MayBits << 7)) : 0);
            foreach (long v in _values)
            {
                hash = (hash * 31) ^ v.GetHashCode();
            }

            return hash;
        }

        public override string ToString() =>
            HasBits ? "bits(must 0x" + MustBits.ToString("x", System.Globalization.CultureInfo.InvariantCulture) + ", may 0x" + MayBits.ToString("x", System.Globalization.CultureInfo.InvariantCulture) + ")"
            : HasDescriptor ? "{" + string.Join(", ", _values.Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture)).Concat(new[] { "fd" })) + "}"
            : IsUnknown ? "unknown" : "{" + string.Join(", ", _values) + "}";
    }
}
