using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Runtime.CompilerServices;
using System.Threading;
using Microsoft.CodeAnalysis;

namespace CheckedMmap.Analyzers.Binding
{
    /// <summary>
    /// mmap P/Invokes that referenced assemblies declare under a name without "mmap"
    /// (<c>[DllImport("libc", EntryPoint = "mmap")] public static extern IntPtr Map(...)</c> in an interop library):
    /// their callers' text never says "mmap", so the text gate must know these names. They are read from each module's
    /// P/Invoke table (ImplMap), not from symbols: a module without P/Invokes (every framework reference assembly) costs
    /// one row count, and each module is read once while its metadata lives (shared by every compilation that references it).
    /// </summary>
    internal static class ReferencedBindings
    {
        private static readonly ConditionalWeakTable<ModuleMetadata, string[]> ByModule = new ConditionalWeakTable<ModuleMetadata, string[]>();

        /// <summary>Adds the renamed mmap bindings of every metadata reference of <paramref name="compilation"/> to <paramref name="names"/>.</summary>
        public static void AddRenamed(Compilation compilation, HashSet<string> names, CancellationToken cancellationToken)
        {
            // ExternalReferences, not References: References also lists #r directives, and for those it binds the
            // compilation's references to assembly symbols (about 13 ms for a .NET 8 reference set, charged to whichever
            // analyzer asks first). #r exists only in scripts.
            foreach (MetadataReference reference in compilation.ExternalReferences)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (reference is not PortableExecutableReference image)
                {
                    // A project reference in the IDE: its source is another compilation, and its own analysis sees it.
                    continue;
                }

                names.UnionWith(RenamedIn(image));
            }
        }

        // Most compilations share their reference objects with the previous one (an IDE edit, the next project of a
        // build): one look-up each, without touching the metadata.
        private static readonly ConditionalWeakTable<PortableExecutableReference, string[]> ByReference = new ConditionalWeakTable<PortableExecutableReference, string[]>();

        private static string[] RenamedIn(PortableExecutableReference reference) =>
            ByReference.GetOrCompute(reference, 0, (r, _) =>
            {
                string[] renamed = Array.Empty<string>();
                foreach (ModuleMetadata module in ModulesOf(r))
                {
                    string[] inModule = RenamedIn(module);
                    renamed = renamed.Length == 0 ? inModule : renamed.Concat(inModule).ToArray();
                }

                return renamed;
            });

        private static ImmutableArray<ModuleMetadata> ModulesOf(PortableExecutableReference reference)
        {
            try
            {
                return reference.GetMetadata() switch
                {
                    AssemblyMetadata assembly => assembly.GetModules(),
                    ModuleMetadata module => ImmutableArray.Create(module),
                    _ => ImmutableArray<ModuleMetadata>.Empty,
                };
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A missing or unreadable file: the compiler reports the reference itself; there is nothing to read here.
                return ImmutableArray<ModuleMetadata>.Empty;
            }
        }

        private static string[] RenamedIn(ModuleMetadata module) => ByModule.GetOrCompute(module, 0, (m, _) => Read(m));

        private static string[] Read(ModuleMetadata module)
        {
            try
            {
                MetadataReader reader = module.GetMetadataReader();
                if (reader.GetTableRowCount(TableIndex.ImplMap) == 0)
                {
                    return Array.Empty<string>();
                }

                List<string>? renamed = null;
                foreach (MethodDefinitionHandle handle in reader.MethodDefinitions)
                {
                    MethodDefinition method = reader.GetMethodDefinition(handle);
                    if ((method.Attributes & MethodAttributes.PinvokeImpl) == 0)
                    {
                        continue;
                    }

                    StringHandle entryPoint = method.GetImport().Name;
                    if (!CallNames.IsMmapEntryPoint(reader.GetString(entryPoint)))
                    {
                        continue;
                    }

                    string name = CalledName(reader.GetString(method.Name));
                    if (!CallNames.MayBeMmapName(name))
                    {
                        (renamed ??= new List<string>()).Add(name);
                    }
                }

                return renamed?.ToArray() ?? Array.Empty<string>();
            }
            catch (Exception e) when (e is BadImageFormatException || e is ObjectDisposedException)
            {
                // A malformed table, or metadata the host has already released: nothing can be read from this module.
                return Array.Empty<string>();
            }
        }

        /// <summary>
        /// The name callers use. A LibraryImport stub's P/Invoke is a local function the compiler names
        /// <c>&lt;Stub&gt;g____PInvoke|0_0</c>: callers call the stub.
        /// </summary>
        internal static string CalledName(string metadataName)
        {
            int close = metadataName.IndexOf(">g__", StringComparison.Ordinal);
            return metadataName.Length > 0 && metadataName[0] == '<' && close > 1 ? metadataName.Substring(1, close - 1) : metadataName;
        }
    }
}
