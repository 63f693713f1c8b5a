using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using CheckedMmap.Analyzers.Binding;
using CheckedMmap.Analyzers.Functions;
using CheckedMmap.Analyzers.Values;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace CheckedMmap.Analyzers.Lifetime
{
    /// <summary>
    /// Answers "is this method libc's munmap?" once per method symbol: a [DllImport]/[LibraryImport] whose entry point is
    /// munmap (whatever the method's name), <c>Mono.Unix.Native.Syscall.munmap</c>, <c>Tmds.Linux.LibC.munmap</c> or
    /// <c>CheckedMmap.Mman.munmap</c>. dotnet/runtime's <c>SystemNative_MUnmap</c> shim is not munmap here. One level
    /// of wrappers too: a source method that passes its own parameters straight to munmap as the address (and length).
    /// </summary>
    internal sealed class MunmapResolver
    {
        private const string Munmap = "munmap";
        private const string Mremap = "mremap";

        private readonly LibcFunctionResolver _functions;
        private readonly ConcurrentDictionary<IMethodSymbol, MunmapShape?> _wrappers = new ConcurrentDictionary<IMethodSymbol, MunmapShape?>(SymbolEqualityComparer.Default);
        private readonly HashSet<string> _otherNames;
        private readonly SemanticModelProvider _models;

        /// <param name="otherNames">Names without "munmap" that may be munmap or a wrapper of it (from the files' text).</param>
        public MunmapResolver(MmapCallResolver mmaps, HashSet<string> otherNames, SemanticModelProvider models)
        {
            _functions = new LibcFunctionResolver(mmaps);
            _otherNames = otherNames;
            _models = models;
        }

        /// <summary>How a call passes munmap's arguments: by munmap's own ordinals, or a wrapper's; null when it is no munmap.</summary>
        public MunmapShape? Resolve(IMethodSymbol? method, SemanticModel current)
        {
            if (IsMunmap(method))
            {
                return MunmapShape.Binding;
            }

            // A wrapper is a source method declared in a file whose text says munmap (or calls a renamed binding).
            if (method is null || method.IsExtern || method.IsAbstract || method.DeclaringSyntaxReferences.Length != 1
                || (!MayBeMunmapName(method.Name) && !_otherNames.Contains(method.Name)
                    && !LibcText.Of(method.DeclaringSyntaxReferences[0].SyntaxTree, System.Threading.CancellationToken.None).Mentioned))
            {
                return null;
            }

            return _wrappers.GetOrCompute(method.OriginalDefinition, (Resolver: this, Current: current), static (m, s) => s.Resolver.ComputeWrapper(m, s.Current));
        }

        private MunmapShape? ComputeWrapper(IMethodSymbol wrapper, SemanticModel current)
        {
            SyntaxReference reference = wrapper.DeclaringSyntaxReferences[0];
            SemanticModel? model = _models.Get(reference.SyntaxTree, current);
            if (model is null)
            {
                return null;
            }

            foreach (SyntaxNode node in reference.GetSyntax().DescendantNodes())
            {
                if (node is not InvocationExpressionSyntax call || CallNames.InvokedName(call.Expression) is not { } name
                    || (!MayBeMunmapName(name) && !_otherNames.Contains(name))
                    || model.GetOperation(call) is not IInvocationOperation invocation || !IsMunmap(invocation.TargetMethod))
                {
                    continue;
                }

                int address = -1, length = -1;
                foreach (IArgumentOperation argument in invocation.Arguments)
                {
                    IOperation value = argument.Value;
                    while (value is IConversionOperation conversion)
                    {
                        value = conversion.Operand;
                    }

                    if (value is IParameterReferenceOperation { Parameter: { } parameter } read && WrapperLocals.HoldsCallersValue(parameter, read)
                        && SymbolEqualityComparer.Default.Equals(parameter.ContainingSymbol, wrapper))
                    {
                        if (argument.Parameter?.Ordinal == 0)
                        {
                            address = parameter.Ordinal;
                        }
                        else if (argument.Parameter?.Ordinal == 1)
                        {
                            length = parameter.Ordinal;
                        }
                    }
                }

                if (address >= 0)
                {
                    return new MunmapShape(address, length);
                }
            }

            return null;
        }

        /// <summary>A name that may be munmap's binding: every one seen in real code spells "munmap" in some case.</summary>
        public static bool MayBeMunmapName(string name) => name.IndexOf(Munmap, StringComparison.OrdinalIgnoreCase) >= 0;

        /// <summary>A name that may be mremap's binding (its result is a new mapping).</summary>
        public static bool MayBeMremapName(string name) => name.IndexOf(Mremap, StringComparison.OrdinalIgnoreCase) >= 0;

        public bool IsMunmap(IMethodSymbol? method) => _functions.Resolve(method) == LibcFunction.Munmap;

        public bool IsMremap(IMethodSymbol? method) => _functions.Resolve(method) == LibcFunction.Mremap;
    }

    /// <summary>Which parameters of a call are munmap's address and length (-1: the length is not one of them).</summary>
    internal sealed class MunmapShape
    {
        public static readonly MunmapShape Binding = new MunmapShape(0, 1);

        public MunmapShape(int address, int length)
        {
            Address = address;
            Length = length;
        }

        public int Address { get; }

        public int Length { get; }
    }
}
