using System;
using System.Collections.Concurrent;
using CheckedMmap.Analyzers.Binding;
using Microsoft.CodeAnalysis;

namespace CheckedMmap.Analyzers.Lifetime
{
    /// <summary>
    /// Answers "is this method libc's munmap?" once per method symbol: a [DllImport]/[LibraryImport] whose entry point is
    /// munmap (whatever the method's name), <c>Mono.Unix.Native.Syscall.munmap</c>, <c>Tmds.Linux.LibC.munmap</c> or
    /// <c>CheckedMmap.Mman.munmap</c>. dotnet/runtime's <c>SystemNative_MUnmap</c> shim is not munmap here.
    /// </summary>
    internal sealed class MunmapResolver
    {
        private const string Munmap = "munmap";

        private readonly KnownBindings _known;
        private readonly ConcurrentDictionary<IMethodSymbol, bool> _cache = new ConcurrentDictionary<IMethodSymbol, bool>(SymbolEqualityComparer.Default);

        public MunmapResolver(KnownBindings known)
        {
            _known = known;
        }

        /// <summary>A name that may be munmap's binding: every one seen in real code spells "munmap" in some case.</summary>
        public static bool MayBeMunmapName(string name) => name.IndexOf(Munmap, StringComparison.OrdinalIgnoreCase) >= 0;

        public bool IsMunmap(IMethodSymbol? method)
        {
            if (method is null || !method.IsStatic || method.Parameters.Length < 2
                || (method.MethodKind != MethodKind.Ordinary && method.MethodKind != MethodKind.LocalFunction))
            {
                return false;
            }

            return _cache.GetOrAdd(method, Compute);
        }

        private bool Compute(IMethodSymbol method)
        {
            for (int i = 2; i < method.Parameters.Length; i++)
            {
                if (!method.Parameters[i].IsOptional)
                {
                    return false;
                }
            }

            INamedTypeSymbol? container = method.ContainingType;
            if (method.Name == Munmap && (_known.IsMman(container) || _known.IsMonoSyscall(container) || _known.IsTmdsLibC(container)))
            {
                return true;
            }

            return method.IsExtern || method.IsPartialDefinition || method.PartialDefinitionPart is not null || method.DeclaringSyntaxReferences.IsEmpty
                ? MmapCallResolver.GetEntryPoint(method) == Munmap
                : false;
        }
    }
}
