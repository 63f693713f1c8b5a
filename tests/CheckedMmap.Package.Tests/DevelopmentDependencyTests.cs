using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using CheckedMmap.Package.Tests.Infrastructure;
using Xunit;

namespace CheckedMmap.Package.Tests
{
    /// <summary>
    /// A library that others consume, set up as the README shows (CheckedMmap referenced the way `dotnet add package`
    /// writes a development dependency, the test project referencing it too): its package has no dependency on
    /// CheckedMmap, and its tests still run on the checked runtime.
    /// </summary>
    [Collection(PackageCollection.Name)]
    public class DevelopmentDependencyTests
    {
        private readonly PackageFixture _package;

        public DevelopmentDependencyTests(PackageFixture package) => _package = package;

        [Fact]
        public void Packing_a_library_that_references_CheckedMmap_adds_no_dependency_on_it()
        {
            string output = Path.Combine(_package.WorkRoot, "library-feed");
            CommandResult pack = _package.DotNet("pack", _package.ConsumerPath("library/Pages/Pages.csproj"), "-o", output,
                "-nodeReuse:false", "-tl:off", "-v:q", "-clp:NoSummary;ForceNoAlign");
            Assert.True(pack.ExitCode == 0, pack.ToString());

            XElement nuspec = Nuspec(Path.Combine(output, "Pages.1.0.0.nupkg"));
            string[] dependencies = nuspec.Descendants().Where(e => e.Name.LocalName == "dependency")
                .Select(e => (string)e.Attribute("id")!).ToArray();
            Assert.DoesNotContain("CheckedMmap", dependencies);
            Assert.DoesNotContain("CheckedMmap", nuspec.ToString(), StringComparison.Ordinal);
        }

        [Fact]
        public void The_library_s_tests_run_on_the_checked_runtime()
        {
            CommandResult run = _package.DotNet("test", _package.ConsumerPath("library/Pages.Tests/Pages.Tests.csproj"),
                "-p:CheckedMmap=true", "-nodeReuse:false", "-tl:off", "-clp:ForceNoAlign");
            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.Matches(new Regex(@"Passed!\s+-\s+Failed:\s+0, Passed:\s+1,"), run.Output);
        }

        private static XElement Nuspec(string nupkg)
        {
            using ZipArchive zip = ZipFile.OpenRead(nupkg);
            ZipArchiveEntry entry = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal) && !e.FullName.Contains('/'));
            using Stream stream = entry.Open();
            return XDocument.Load(stream).Root!;
        }
    }
}
