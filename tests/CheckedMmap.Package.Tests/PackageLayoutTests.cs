using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Xml.Linq;
using CheckedMmap.Package.Tests.Infrastructure;
using Xunit;

namespace CheckedMmap.Package.Tests
{
    [Collection(PackageCollection.Name)]
    public class PackageLayoutTests
    {
        private readonly PackageFixture _package;

        public PackageLayoutTests(PackageFixture package) => _package = package;

        [Fact]
        public void The_package_holds_the_runtime_the_analyzer_and_the_build_glue_and_nothing_else()
        {
            using ZipArchive zip = ZipFile.OpenRead(_package.PackagePath);
            string[] files = zip.Entries.Select(e => e.FullName).Where(IsContent).OrderBy(n => n, StringComparer.Ordinal).ToArray();

            var expected = new[]
            {
                "README.md",
                "analyzers/dotnet/cs/CheckedMmap.Analyzers.dll",
                "icon.png",
                "build/CheckedMmap.targets",
                "buildTransitive/CheckedMmap.targets",
                "buildTransitive/CheckedMmapTestEntryPoint.cs",
                "buildTransitive/testingplatform/CheckedMmap.TestingPlatform.dll",
                "buildTransitive/testrun/CheckedMmap.TestRun.dll",
                "lib/net8.0/CheckedMmap.dll",
                "lib/net8.0/CheckedMmap.xml",
            }.ToList();
            if (OperatingSystem.IsLinux())
            {
                // The fault pre-handler is compiled on Linux hosts only (gcc and the arm64 cross compiler).
                expected.Add("runtimes/linux-arm64/native/libcheckedmmap_fault.so");
                expected.Add("runtimes/linux-x64/native/libcheckedmmap_fault.so");
            }

            if (File.Exists(Path.Combine(_package.RepositoryRoot, "analyzers", "CheckedMmap.CodeFixes", "CheckedMmap.CodeFixes.csproj")))
            {
                expected.Add("analyzers/dotnet/cs/CheckedMmap.CodeFixes.dll");
            }

            Assert.Equal(expected.OrderBy(n => n, StringComparer.Ordinal), files);

            // The lib is the checked runtime with its public API documented; the analyzer is the analyzer.
            Assert.Contains("CheckedMmap.Mman", TypeNames(zip, "lib/net8.0/CheckedMmap.dll"));
            Assert.Contains("CheckedMmap.UndefinedBehaviorException", TypeNames(zip, "lib/net8.0/CheckedMmap.dll"));
            Assert.Contains("T:CheckedMmap.Mman", Read(zip, "lib/net8.0/CheckedMmap.xml"));
            Assert.Contains(AssemblyReferences(zip, "analyzers/dotnet/cs/CheckedMmap.Analyzers.dll"), name => name == "Microsoft.CodeAnalysis");

            // The fault pre-handler: an ELF shared object for each architecture (e_machine 62 = x86-64, 183 = AArch64).
            if (OperatingSystem.IsLinux())
            {
                Assert.Equal(62, ElfMachine(zip, "runtimes/linux-x64/native/libcheckedmmap_fault.so"));
                Assert.Equal(183, ElfMachine(zip, "runtimes/linux-arm64/native/libcheckedmmap_fault.so"));
            }

            // build/ hands direct references the same glue as buildTransitive/ gives every reference.
            Assert.Contains("buildTransitive", Read(zip, "build/CheckedMmap.targets"));
        }

        [Fact]
        public void The_nuspec_carries_id_version_license_readme_tags_repository_and_no_dependency()
        {
            using ZipArchive zip = ZipFile.OpenRead(_package.PackagePath);
            XDocument nuspec = XDocument.Parse(Read(zip, "CheckedMmap.nuspec"));
            XNamespace ns = nuspec.Root!.Name.Namespace;
            XElement metadata = nuspec.Root.Element(ns + "metadata")!;
            string Value(string name) => metadata.Element(ns + name)?.Value ?? string.Empty;

            Assert.Equal("CheckedMmap", Value("id"));
            Assert.Equal(_package.Version, Value("version"));
            Assert.Equal("MIT", Value("license"));
            Assert.Equal("expression", metadata.Element(ns + "license")!.Attribute("type")!.Value);
            Assert.Equal("README.md", Value("readme"));
            Assert.Equal("true", Value("developmentDependency"));
            Assert.Equal("icon.png", Value("icon"));
            Assert.Contains("CHECKED", Value("description"));
            Assert.Contains("mmap", Value("tags").Split(' '));
            Assert.Contains("analyzer", Value("tags").Split(' '));
            XElement repository = metadata.Element(ns + "repository")!;
            Assert.StartsWith("https://", repository.Attribute("url")!.Value);

            // The package is the runtime and the analyzer: it must not depend on anything, least of all on itself.
            Assert.Empty(metadata.Descendants(ns + "dependency"));
            Assert.Equal("net8.0", metadata.Element(ns + "dependencies")!.Element(ns + "group")!.Attribute("targetFramework")!.Value);

            // The packed README is the repository's.
            // The repository's README, its relative links made absolute under the project's home.
            string home = repository.Attribute("url")!.Value;
            Assert.Equal(File.ReadAllText(Path.Combine(_package.RepositoryRoot, "README.md")), Read(zip, "README.md").Replace("](" + home + "/blob/main/", "](", StringComparison.Ordinal));
        }

        [Fact]
        public void No_packed_file_names_the_build_machine_and_every_assembly_carries_its_mapped_PDB()
        {
            using ZipArchive zip = ZipFile.OpenRead(_package.PackagePath);
            string root = _package.RepositoryRoot.TrimEnd('/', '\\');
            foreach (ZipArchiveEntry entry in zip.Entries)
            {
                byte[] bytes = Bytes(zip, entry.FullName);
                Assert.False(bytes.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(root)) >= 0, entry.FullName + " names " + root);
                Assert.False(bytes.AsSpan().IndexOf(System.Text.Encoding.Unicode.GetBytes(root)) >= 0, entry.FullName + " names " + root + " (UTF-16)");
            }

            foreach (string dll in new[] { "lib/net8.0/CheckedMmap.dll", "analyzers/dotnet/cs/CheckedMmap.Analyzers.dll" })
            {
                using var pe = new PEReader(new MemoryStream(Bytes(zip, dll)));
                DebugDirectoryEntry embedded = pe.ReadDebugDirectory().Single(e => e.Type == DebugDirectoryEntryType.EmbeddedPortablePdb);
                using MetadataReaderProvider pdb = pe.ReadEmbeddedPortablePdbDebugDirectoryData(embedded);
                MetadataReader reader = pdb.GetMetadataReader();
                string[] documents = reader.Documents.Select(h => reader.GetString(reader.GetDocument(h).Name)).ToArray();
                Assert.NotEmpty(documents);
                Assert.All(documents, d => Assert.StartsWith("/_/", d));
            }
        }

        [Fact]
        public void Every_assembly_links_its_sources_to_the_commit_under_the_project_home_and_embeds_the_generated_ones()
        {
            using ZipArchive zip = ZipFile.OpenRead(_package.PackagePath);
            XDocument nuspec = XDocument.Parse(Read(zip, "CheckedMmap.nuspec"));
            XElement repository = nuspec.Descendants().Single(e => e.Name.LocalName == "repository");
            string home = repository.Attribute("url")!.Value;
            string commit = repository.Attribute("commit")!.Value;
            Assert.Matches("^[0-9a-f]{40}$", commit);
            Assert.StartsWith("https://github.com/", home, StringComparison.Ordinal);
            string expectedTarget = home.Replace("https://github.com/", "https://raw.githubusercontent.com/", StringComparison.Ordinal) + "/" + commit + "/*";
            var sourceLinkKind = new Guid("CC110556-A091-4D38-9FEC-25AB9A351A6A");
            var embeddedSourceKind = new Guid("0E8A571B-6926-466E-B4AD-8AB04611F5FE");

            foreach (string dll in new[] { "lib/net8.0/CheckedMmap.dll", "analyzers/dotnet/cs/CheckedMmap.Analyzers.dll", "analyzers/dotnet/cs/CheckedMmap.CodeFixes.dll" })
            {
                using var pe = new PEReader(new MemoryStream(Bytes(zip, dll)));
                DebugDirectoryEntry embedded = pe.ReadDebugDirectory().Single(e => e.Type == DebugDirectoryEntryType.EmbeddedPortablePdb);
                using MetadataReaderProvider pdb = pe.ReadEmbeddedPortablePdbDebugDirectoryData(embedded);
                MetadataReader reader = pdb.GetMetadataReader();
                string? sourceLink = null;
                var embeddedDocuments = new System.Collections.Generic.HashSet<DocumentHandle>();
                foreach (CustomDebugInformationHandle h in reader.CustomDebugInformation)
                {
                    CustomDebugInformation cdi = reader.GetCustomDebugInformation(h);
                    Guid kind = reader.GetGuid(cdi.Kind);
                    if (kind == sourceLinkKind)
                    {
                        sourceLink = System.Text.Encoding.UTF8.GetString(reader.GetBlobBytes(cdi.Value));
                    }
                    else if (kind == embeddedSourceKind && cdi.Parent.Kind == HandleKind.Document)
                    {
                        embeddedDocuments.Add((DocumentHandle)cdi.Parent);
                    }
                }

                Assert.True(sourceLink != null, dll + " has no SourceLink map");
                using var json = System.Text.Json.JsonDocument.Parse(sourceLink!);
                var map = json.RootElement.GetProperty("documents").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());
                Assert.Equal(expectedTarget, Assert.Single(map, kv => kv.Key == "/_/*").Value);

                // Every source file is either one of the commit's files (reachable through the map) or embedded.
                foreach (DocumentHandle d in reader.Documents)
                {
                    string name = reader.GetString(reader.GetDocument(d).Name);
                    string inRepository = Path.Combine(_package.RepositoryRoot, name.Substring("/_/".Length));
                    bool generated = name.Contains("/obj/", StringComparison.Ordinal);
                    Assert.True(generated ? embeddedDocuments.Contains(d) : File.Exists(inRepository) && !embeddedDocuments.Contains(d),
                        $"{dll}: {name} is {(generated ? "generated but not embedded" : "neither a repository file nor linked alone")}");
                }
            }
        }

        [Fact]
        public void The_packed_README_has_only_absolute_links()
        {
            using ZipArchive zip = ZipFile.OpenRead(_package.PackagePath);
            string readme = Read(zip, "README.md");
            var links = System.Text.RegularExpressions.Regex.Matches(readme, @"\]\(([^)\s]+)\)").Select(m => m.Groups[1].Value).ToArray();
            Assert.NotEmpty(links);
            Assert.All(links, l => Assert.True(l.StartsWith("https://", StringComparison.Ordinal) || l.StartsWith("#", StringComparison.Ordinal), l));
            Assert.Contains(links, l => l.EndsWith("/blob/main/docs/rules/MMAP001.md", StringComparison.Ordinal));
        }

        private static bool IsContent(string name) =>
            !name.StartsWith("_rels/", StringComparison.Ordinal) &&
            !name.StartsWith("package/", StringComparison.Ordinal) &&
            name != "[Content_Types].xml" &&
            !name.EndsWith(".nuspec", StringComparison.Ordinal);

        private static string Read(ZipArchive zip, string entry)
        {
            using var reader = new StreamReader(zip.GetEntry(entry)!.Open());
            return reader.ReadToEnd();
        }

        private static byte[] Bytes(ZipArchive zip, string entry)
        {
            using Stream stream = zip.GetEntry(entry)!.Open();
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return copy.ToArray();
        }

        private static string[] TypeNames(ZipArchive zip, string entry)
        {
            using var pe = new PEReader(new MemoryStream(Bytes(zip, entry)));
            MetadataReader metadata = pe.GetMetadataReader();
            return metadata.TypeDefinitions
                .Select(h => metadata.GetTypeDefinition(h))
                .Select(t => metadata.GetString(t.Namespace) + "." + metadata.GetString(t.Name))
                .ToArray();
        }

        private static string[] AssemblyReferences(ZipArchive zip, string entry)
        {
            using var pe = new PEReader(new MemoryStream(Bytes(zip, entry)));
            MetadataReader metadata = pe.GetMetadataReader();
            return metadata.AssemblyReferences.Select(h => metadata.GetString(metadata.GetAssemblyReference(h).Name)).ToArray();
        }

        private static int ElfMachine(ZipArchive zip, string entry)
        {
            using Stream stream = zip.GetEntry(entry)!.Open();
            byte[] header = new byte[20];
            int read = 0;
            while (read < header.Length)
            {
                int n = stream.Read(header, read, header.Length - read);
                Assert.True(n > 0, entry + " is shorter than an ELF header");
                read += n;
            }

            Assert.True(header[0] == 0x7f && header[1] == (byte)'E' && header[2] == (byte)'L' && header[3] == (byte)'F', entry + " is not ELF");
            Assert.Equal(3, header[16]); // ET_DYN: a shared object
            return header[18] | (header[19] << 8);
        }
    }
}
