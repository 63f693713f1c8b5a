using System.Threading;
using Microsoft.CodeAnalysis;

namespace CheckedMmap.Analyzers.Binding
{
    /// <summary>
    /// The binding libraries we know by name. A type is compared with them only when its simple name is one of theirs,
    /// and they are looked up in the compilation (once) only then: most analyzed calls never pay for the look-up.
    /// </summary>
    internal sealed class KnownBindings
    {
        public const string MonoPosixSyscall = "Mono.Unix.Native.Syscall";
        public const string TmdsLibC = "Tmds.Linux.LibC";
        public const string CheckedMmapMman = "CheckedMmap.Mman";

        // The simple names of the three types: a container named otherwise is never one of them.
        private const string SyscallName = "Syscall";
        private const string LibCName = "LibC";
        private const string MmanName = "Mman";

        private readonly Compilation _compilation;
        private Resolved? _resolved;

        public KnownBindings(Compilation compilation)
        {
            _compilation = compilation;
        }

        public bool IsMonoSyscall(INamedTypeSymbol? type) => type is { Name: SyscallName } && Is(type, Types.MonoSyscall);

        public bool IsTmdsLibC(INamedTypeSymbol? type) => type is { Name: LibCName } && Is(type, Types.TmdsLibC);

        public bool IsMman(INamedTypeSymbol? type) => type is { Name: MmanName } && Is(type, Types.Mman);

        /// <summary>Whether the compilation can call the checked runtime (it references it, or declares a type of its name).</summary>
        public bool HasMman => Types.Mman is not null;

        private Resolved Types => LazyInitializer.EnsureInitialized(ref _resolved, () => Resolved.From(_compilation))!;

        // Symbol identity only: this runs for every static call in a compilation that references a binding.
        private static bool Is(INamedTypeSymbol type, INamedTypeSymbol? known) =>
            known is not null && SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, known);

        private sealed class Resolved
        {
            private Resolved(INamedTypeSymbol? monoSyscall, INamedTypeSymbol? tmdsLibC, INamedTypeSymbol? mman)
            {
                MonoSyscall = monoSyscall;
                TmdsLibC = tmdsLibC;
                Mman = mman;
            }

            public INamedTypeSymbol? MonoSyscall { get; }

            public INamedTypeSymbol? TmdsLibC { get; }

            public INamedTypeSymbol? Mman { get; }

            /// <summary>
            /// A known type is looked up only when an assembly of its library is referenced or a type of its simple name
            /// is declared in source: the first GetTypeByMetadataName of a compilation loads every referenced assembly's
            /// type tables.
            /// </summary>
            public static Resolved From(Compilation compilation)
            {
                BindingLibraries libraries = BindingLibraries.Of(compilation);
                return new Resolved(
                    Lookup(compilation, MonoPosixSyscall, SyscallName, libraries.MonoPosix),
                    Lookup(compilation, KnownBindings.TmdsLibC, LibCName, libraries.TmdsLibC),
                    Lookup(compilation, CheckedMmapMman, MmanName, libraries.CheckedMmap));
            }

            private static INamedTypeSymbol? Lookup(Compilation compilation, string metadataName, string simpleName, bool referenced) =>
                referenced || compilation.ContainsSymbolsWithName(simpleName, SymbolFilter.Type)
                    ? compilation.GetTypeByMetadataName(metadataName)
                    : null;
        }
    }
}
