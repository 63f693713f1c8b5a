using System.Collections.Concurrent;
using CheckedMmap.Analyzers.Binding;
using Microsoft.CodeAnalysis;

namespace CheckedMmap.Analyzers.Functions
{
    /// <summary>The rest of &lt;sys/mman.h&gt; the analyzer follows besides mmap.</summary>
    internal enum LibcFunction
    {
        None,
        Munmap,
        Mremap,
        Mprotect,
        Madvise,
    }

    /// <summary>
    /// Answers "which of munmap, mremap, mprotect, madvise is this method?" once per method symbol: a
    /// [DllImport]/[LibraryImport] whose entry point is that function (whatever the method's name), or the method of that
    /// name in <c>Mono.Unix.Native.Syscall</c>, <c>Tmds.Linux.LibC</c> or <c>CheckedMmap.Mman</c>. dotnet/runtime's
    /// <c>SystemNative_*</c> shims are none of them (their entry points differ).
    /// </summary>
    internal sealed class LibcFunctionResolver
    {
        private readonly KnownBindings _known;
        private readonly CheckedForwarders _forwarders;
        private readonly ConcurrentDictionary<IMethodSymbol, LibcFunction> _cache = new ConcurrentDictionary<IMethodSymbol, LibcFunction>(SymbolEqualityComparer.Default);

        public LibcFunctionResolver(MmapCallResolver mmaps)
        {
            _known = mmaps.Known;
            _forwarders = mmaps.Forwarders;
        }

        /// <summary>Whether <paramref name="method"/> is a source method that forwards to the checked runtime (see
        /// <see cref="CheckedForwarders"/>): it is the function for the rules, but no P/Invoke (it escapes nothing and
        /// declares nothing libc reads).</summary>
        public bool IsCheckedForwarder(IMethodSymbol? method) => _forwarders.FunctionOf(method) is not null;

        public static LibcFunction FromName(string? name) => name switch
        {
            "munmap" => LibcFunction.Munmap,
            "mremap" => LibcFunction.Mremap,
            "mprotect" => LibcFunction.Mprotect,
            "madvise" => LibcFunction.Madvise,
            _ => LibcFunction.None,
        };

        /// <summary>The parameters libc's prototype has (mremap's optional new address is a trailing variadic one).</summary>
        public static int ParameterCount(LibcFunction function) => function switch
        {
            LibcFunction.Munmap => 2,
            LibcFunction.Mremap => 4,
            LibcFunction.Mprotect or LibcFunction.Madvise => 3,
            _ => 0,
        };

        public LibcFunction Resolve(IMethodSymbol? method)
        {
            if (method is null || !method.IsStatic || method.Parameters.Length < 2
                || (method.MethodKind != MethodKind.Ordinary && method.MethodKind != MethodKind.LocalFunction))
            {
                return LibcFunction.None;
            }

            // A P/Invoke is extern (DllImport) or partial (LibraryImport) in source; the known bindings come from metadata
            // or are recognised by their type; any other source method is not a binding.
            if (!method.IsExtern && !method.IsPartialDefinition && method.PartialDefinitionPart is null && !method.DeclaringSyntaxReferences.IsEmpty
                && !IsKnownContainer(method.ContainingType))
            {
                return FromName(_forwarders.FunctionOf(method)); // a binding MMAP014's fix turned into a call of the checked runtime
            }

            return _cache.GetOrCompute(method, this, static (key, resolver) => resolver.Compute(key));
        }

        private bool IsKnownContainer(INamedTypeSymbol? type) => _known.IsMman(type) || _known.IsMonoSyscall(type) || _known.IsTmdsLibC(type);

        private LibcFunction Compute(IMethodSymbol method)
        {
            LibcFunction function = IsKnownContainer(method.ContainingType) ? FromName(method.Name) : LibcFunction.None;
            if (function == LibcFunction.None && (method.IsExtern || method.IsPartialDefinition || method.PartialDefinitionPart is not null || method.DeclaringSyntaxReferences.IsEmpty))
            {
                function = FromName(MmapCallResolver.GetEntryPoint(method));
            }

            int count = ParameterCount(function);
            if (function == LibcFunction.None || method.Parameters.Length < count)
            {
                return LibcFunction.None;
            }

            for (int i = 0; i < method.Parameters.Length; i++)
            {
                IParameterSymbol parameter = method.Parameters[i];
                bool extraAllowed = parameter.IsOptional || (function == LibcFunction.Mremap && i == count); // mremap's new address
                if ((i >= count && !extraAllowed) || parameter.RefKind != RefKind.None || parameter.IsParams || parameter.Type.TypeKind == TypeKind.Error)
                {
                    return LibcFunction.None;
                }
            }

            return function;
        }
    }
}
