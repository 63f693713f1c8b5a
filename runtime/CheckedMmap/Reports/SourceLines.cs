// file:line for a frame captured without file information: the method's sequence points in its portable PDB (next
// to the assembly or embedded in it), read only when a report is rendered. Stacks are captured "methods only" for
// speed; this gives them file:line anyway wherever a PDB exists.
using System;
using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.IO;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace CheckedMmap.Reports
{
    internal static class SourceLines
    {
        private static readonly ConcurrentDictionary<Module, MetadataReaderProvider?> Pdbs = new ConcurrentDictionary<Module, MetadataReaderProvider?>();

        /// <summary>The source file and line of <paramref name="ilOffset"/> in <paramref name="method"/>, when its PDB says.</summary>
        public static bool TryGet(MethodBase method, int ilOffset, [NotNullWhen(true)] out string? file, out int line)
        {
            file = null;
            line = 0;
            if (ilOffset < 0)
            {
                return false;
            }

            try
            {
                MetadataReaderProvider? pdb = Pdbs.GetOrAdd(method.Module, Open);
                if (pdb == null)
                {
                    return false;
                }

                MetadataReader reader = pdb.GetMetadataReader();
                var handle = (MethodDefinitionHandle)MetadataTokens.Handle(method.MetadataToken);
                SequencePoint? best = null;
                foreach (SequencePoint sp in reader.GetMethodDebugInformation(handle).GetSequencePoints())
                {
                    if (sp.Offset > ilOffset)
                    {
                        break;
                    }

                    if (!sp.IsHidden)
                    {
                        best = sp;
                    }
                }

                if (best is not SequencePoint found)
                {
                    return false;
                }

                file = reader.GetString(reader.GetDocument(found.Document).Name);
                line = found.StartLine;
                return true;
            }
            catch (Exception)
            {
                // A PDB that cannot be read gives no line; the frame is still shown.
                return false;
            }
        }

        [UnconditionalSuppressMessage("SingleFile", "IL3000", Justification = "No file: no PDB next to it; embedded PDBs still work.")]
        private static MetadataReaderProvider? Open(Module module)
        {
            try
            {
                string path = module.Assembly.Location;
                if (path.Length == 0 || !File.Exists(path))
                {
                    return null;
                }

                using (var pe = new PEReader(File.OpenRead(path)))
                {
                    foreach (DebugDirectoryEntry entry in pe.ReadDebugDirectory())
                    {
                        if (entry.Type == DebugDirectoryEntryType.EmbeddedPortablePdb)
                        {
                            return pe.ReadEmbeddedPortablePdbDebugDirectoryData(entry);
                        }
                    }
                }

                string side = Path.ChangeExtension(path, ".pdb");
                if (!File.Exists(side))
                {
                    return null;
                }

                byte[] bytes = File.ReadAllBytes(side);
                if (bytes.Length < 4 || bytes[0] != (byte)'B' || bytes[1] != (byte)'S' || bytes[2] != (byte)'J' || bytes[3] != (byte)'B')
                {
                    return null; // a Windows (non-portable) PDB
                }

                return MetadataReaderProvider.FromPortablePdbImage(System.Collections.Immutable.ImmutableArray.Create(bytes));
            }
            catch (Exception)
            {
                return null;
            }
        }
    }
}
