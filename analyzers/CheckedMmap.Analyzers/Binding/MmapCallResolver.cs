using System;
using System.Collections.Concurrent;
using Microsoft.CodeAnalysis;

namespace CheckedMmap.Analyzers.Binding
{
    /// <summary>
    /// Answers "is this method mmap, and through which library?" once per method symbol, for one compilation.
    /// </summary>
    internal sealed class MmapCallResolver
    {
        private const string LibraryImportAttributeName = "LibraryImportAttribute";
        private const string GeneratedDllImportAttributeName = "GeneratedDllImportAttribute";
        private const string InteropNamespace = "System.Runtime.InteropServices";

        private readonly KnownBindings _known;
        private readonly ConcurrentDictionary<IMethodSymbol, MmapBinding?> _cache =
            new ConcurrentDictionary<IMethodSymbol, MmapBinding?>(SymbolEqualityComparer.Default);

        public MmapCallResolver(Compilation compilation)
        {
            _known = new KnownBindings(compilation);
            Forwarders = new CheckedForwarders(compilation, _known);
        }

        public KnownBindings Known => _known;

        /// <summary>Source methods that forward to the checked runtime, which stand for their libc function.</summary>
        public CheckedForwarders Forwarders { get; }

        public MmapBinding? Resolve(IMethodSymbol? method)
        {
            if (method is null || !method.IsStatic || (method.MethodKind != MethodKind.Ordinary && method.MethodKind != MethodKind.LocalFunction))
            {
                return null;
            }

            // Cheap filter before the cache: a P/Invoke is extern (DllImport) or partial (LibraryImport) in source; in
            // metadata a LibraryImport stub is an ordinary method that keeps its attribute; the known bindings are
            // recognised by their containing type.
            if (!method.IsExtern && !method.IsPartialDefinition && method.PartialDefinitionPart is null
                && !method.DeclaringSyntaxReferences.IsEmpty && !IsKnownContainer(method.ContainingType))
            {
                // A binding MMAP014's fix turned into a call of the checked runtime is the runtime's mmap.
                return Forwarders.FunctionOf(method) == "mmap" && HasMmapShape(method) ? CheckedForwarder : null;
            }

            return _cache.GetOrCompute(method, this, static (m, resolver) => resolver.Compute(m));
        }

        private static readonly MmapBinding CheckedForwarder = new MmapBinding(MmapBindingKind.CheckedMmapRuntime, "mmap");

        private bool IsKnownContainer(INamedTypeSymbol? type) =>
            type is not null && (Known.IsMman(type) || Known.IsMonoSyscall(type) || Known.IsTmdsLibC(type));

        private MmapBinding? Compute(IMethodSymbol method)
        {
            if (!HasMmapShape(method))
            {
                return null;
            }

            INamedTypeSymbol? container = method.ContainingType;
            if (Known.IsMonoSyscall(container) && method.Name == "mmap")
            {
                return new MmapBinding(MmapBindingKind.MonoPosix, "mmap");
            }

            if (Known.IsMman(container) && method.Name == "mmap")
            {
                return new MmapBinding(MmapBindingKind.CheckedMmapRuntime, "mmap");
            }

            string? entryPoint = GetEntryPoint(method);
            if (!CallNames.IsMmapEntryPoint(entryPoint))
            {
                // This also keeps out dotnet/runtime's SystemNative_MMap shim, whose numbers mean other things.
                return null;
            }

            MmapBindingKind kind = Known.IsTmdsLibC(container) ? MmapBindingKind.TmdsLibC : MmapBindingKind.PInvoke;
            return new MmapBinding(kind, entryPoint!);
        }

        /// <summary>Six parameters, no params array: anything else is not a libc mmap we can read arguments of.</summary>
        private static bool HasMmapShape(IMethodSymbol method)
        {
            // libc's six parameters; trailing optional ones are allowed (CheckedMmap.Mman.mmap's caller-info parameters).
            if (method.Parameters.Length < 6)
            {
                return false;
            }

            for (int i = 6; i < method.Parameters.Length; i++)
            {
                if (!method.Parameters[i].IsOptional)
                {
                    return false;
                }
            }

            for (int i = 0; i < 6; i++)
            {
                IParameterSymbol p = method.Parameters[i];
                if (p.IsParams || p.RefKind != RefKind.None || p.Type is null || p.Type.TypeKind == TypeKind.Error)
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>The native symbol: DllImport's EntryPoint, LibraryImport/GeneratedDllImport's EntryPoint, else the method name.</summary>
        internal static string? GetEntryPoint(IMethodSymbol method)
        {
            DllImportData? dllImport = method.GetDllImportData();
            if (dllImport is not null)
            {
                return dllImport.EntryPointName ?? method.Name;
            }

            // [LibraryImport] has no DllImportData on the user's partial method (the generator puts it on a local stub).
            return GetLibraryImportEntryPoint(method)
                ?? (method.PartialDefinitionPart is { } definition ? GetLibraryImportEntryPoint(definition) : null)
                ?? (method.PartialImplementationPart is { } implementation ? ImplementationEntryPoint(implementation) : null);
        }

        private static string? ImplementationEntryPoint(IMethodSymbol implementation) =>
            implementation.GetDllImportData() is { } data ? data.EntryPointName ?? implementation.Name : GetLibraryImportEntryPoint(implementation);

        private static string? GetLibraryImportEntryPoint(IMethodSymbol method)
        {
            foreach (AttributeData attribute in method.GetAttributes())
            {
                INamedTypeSymbol? type = attribute.AttributeClass;
                if (type is null || (type.Name != LibraryImportAttributeName && type.Name != GeneratedDllImportAttributeName))
                {
                    continue;
                }

                // GeneratedDllImport was a preview name; projects declared their own copy, so match by name only.
                if (type.Name == LibraryImportAttributeName && type.ContainingNamespace?.ToDisplayString() != InteropNamespace)
                {
                    continue;
                }

                foreach (var named in attribute.NamedArguments)
                {
                    if (named.Key == "EntryPoint" && named.Value.Kind != TypedConstantKind.Array && named.Value.Value is string entryPoint)
                    {
                        return entryPoint;
                    }
                }

                return method.Name;
            }

            return null;
        }
    }
}
