using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace CheckedMmap.Analyzers.Binding
{
    /// <summary>
    /// The binding libraries we know by name, resolved once per compilation at its first candidate call. A null field
    /// means the type is not referenced.
    /// </summary>
    internal sealed class KnownBindings
    {
        public const string MonoPosixSyscall = "Mono.Unix.Native.Syscall";
        public const string TmdsLibC = "Tmds.Linux.LibC";
        public const string CheckedMmapMman = "CheckedMmap.Mman";
        public const string ReloadedPosix = "Reloaded.Memory.Native.Unix.Posix";

        private KnownBindings(INamedTypeSymbol? monoSyscall, INamedTypeSymbol? tmdsLibC, INamedTypeSymbol? mman, INamedTypeSymbol? reloaded)
        {
            MonoSyscall = monoSyscall;
            TmdsLibCType = tmdsLibC;
            MmanType = mman;
            ReloadedPosixType = reloaded;
        }

        public INamedTypeSymbol? MonoSyscall { get; }

        public INamedTypeSymbol? TmdsLibCType { get; }

        public INamedTypeSymbol? MmanType { get; }

        public INamedTypeSymbol? ReloadedPosixType { get; }

        public bool AnyReferenced => MonoSyscall is not null || TmdsLibCType is not null || MmanType is not null || ReloadedPosixType is not null;

        /// <summary>
        /// A known type is looked up only when an assembly of its library is referenced or a type of its simple name is
        /// declared in source: the first GetTypeByMetadataName of a compilation loads every referenced assembly's type
        /// tables (several ms on a real project), and telemetry charges that to whoever asks first.
        /// </summary>
        public static KnownBindings Resolve(Compilation compilation)
        {
            bool mono = false, tmds = false, mman = false, reloaded = false;
            foreach (AssemblyIdentity identity in compilation.ReferencedAssemblyNames)
            {
                string name = identity.Name;
                mono |= name.StartsWith("Mono.Posix", System.StringComparison.Ordinal);
                tmds |= name == "Tmds.LibC";
                mman |= name == "CheckedMmap";
                reloaded |= name.StartsWith("Reloaded.Memory", System.StringComparison.Ordinal);
            }

            return new KnownBindings(
                Lookup(compilation, MonoPosixSyscall, "Syscall", mono),
                Lookup(compilation, TmdsLibC, "LibC", tmds),
                Lookup(compilation, CheckedMmapMman, "Mman", mman),
                Lookup(compilation, ReloadedPosix, "Posix", reloaded));
        }

        private static INamedTypeSymbol? Lookup(Compilation compilation, string metadataName, string simpleName, bool referenced) =>
            referenced || compilation.ContainsSymbolsWithName(simpleName, SymbolFilter.Type)
                ? compilation.GetTypeByMetadataName(metadataName)
                : null;

        public bool IsMonoSyscall(INamedTypeSymbol? type) => Is(type, MonoSyscall);

        public bool IsTmdsLibC(INamedTypeSymbol? type) => Is(type, TmdsLibCType);

        public bool IsMman(INamedTypeSymbol? type) => Is(type, MmanType);

        // Symbol identity only: this runs for every static call in a compilation that references a binding.
        private static bool Is(INamedTypeSymbol? type, INamedTypeSymbol? known) =>
            type is not null && known is not null && SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, known);
    }
}
