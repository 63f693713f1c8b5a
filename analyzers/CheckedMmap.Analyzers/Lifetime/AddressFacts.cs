using System.Collections.Generic;
using System.Collections.Immutable;
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

        /// <summary>Whether the variable may hold that mapping: as its provenance or as an mmap result.</summary>
        public bool Holds(MappingSite site) => ReferenceEquals(Origin?.Site, site) || Sources.Contains(site);

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
