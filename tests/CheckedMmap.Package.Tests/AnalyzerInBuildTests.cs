using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using CheckedMmap.Package.Tests.Infrastructure;
using Xunit;

namespace CheckedMmap.Package.Tests
{
    /// <summary>Moment two: the analyzer from the package, in a consumer's `dotnet build`, as CI sees it.</summary>
    [Collection(PackageCollection.Name)]
    public class AnalyzerInBuildTests
    {
        private const string MisuseProject = "misuse/misuse.csproj";
        private const string MisuseSource = "misuse/MisusingAllocator.cs";
        private const string OsDependentProject = "osdep/osdep.csproj";
        private const string OsDependentSource = "osdep/LinuxNumbers.cs";

        private static readonly string[] AllRules = { "MMAP001", "MMAP002", "MMAP003", "MMAP004", "MMAP005", "MMAP006", "MMAP007" };

        private readonly PackageFixture _package;

        public AnalyzerInBuildTests(PackageFixture package) => _package = package;

        [Fact]
        public void Build_warns_at_each_misused_argument_and_stays_silent_on_a_clean_allocator()
        {
            CommandResult misuse = _package.SharedBuild(MisuseProject);
            Assert.True(misuse.ExitCode == 0, misuse.ToString());
            var expected = ExpectedDiagnostics.Read(_package.ConsumerPath(MisuseSource));
            Assert.Equal(AllRules, expected.Select(e => e.Id).OrderBy(id => id, StringComparer.Ordinal));

            IReadOnlyList<BuildDiagnostic> reported = BuildDiagnostic.ParseMmap(misuse.Output);
            Assert.True(expected.SequenceEqual(reported.Select(d => d.Position).Distinct()), Mismatch(expected, reported, misuse));
            Assert.All(reported, d =>
            {
                Assert.Equal("warning", d.Severity);
                Assert.Contains($"docs/rules/{d.Id}.md", d.Message); // the help link
            });
            Assert.DoesNotContain("AD0001", misuse.Output);

            CommandResult clean = _package.SharedBuild("app/app.csproj");
            Assert.True(clean.ExitCode == 0, clean.ToString());
            Assert.Empty(BuildDiagnostic.ParseMmap(clean.Output));
            Assert.DoesNotContain("AD0001", clean.Output);
        }

        [Fact]
        public void Constants_of_a_binding_package_are_read_from_its_il_by_the_compiler_in_a_build()
        {
            // Tmds.LibC declares IORING_OFF_SQES and IORING_OFF_CQ_RING as static getters, not constants: the analyzer
            // reads them from the package's IL through the compiler that runs it (the SDK's, not the tests' Roslyn).
            CommandResult build = _package.SharedBuild("iouring/iouring.csproj");
            Assert.True(build.ExitCode == 0, build.ToString());
            var expected = ExpectedDiagnostics.Read(_package.ConsumerPath("iouring/Ring.cs"));
            IReadOnlyList<BuildDiagnostic> reported = BuildDiagnostic.ParseMmap(build.Output);
            Assert.True(expected.SequenceEqual(reported.Select(d => d.Position).Distinct()), Mismatch(expected, reported, build));
            Assert.Contains(reported, d => d.Id == "MMAP006" && d.Message.Contains("offset is 0x10000000", StringComparison.Ordinal));
            Assert.Contains(reported, d => d.Id == "MMAP006" && d.Message.Contains("offset is 0x8000000", StringComparison.Ordinal));
            Assert.DoesNotContain("AD0001", build.Output);
        }

        [Fact]
        public void Warnaserror_turns_the_same_diagnostics_into_errors_and_fails_the_build()
        {
            _package.SharedBuild(MisuseProject); // restored
            CommandResult build = _package.Build(MisuseProject, "--no-restore", "--no-incremental", "-warnaserror");

            Assert.True(build.ExitCode != 0, build.ToString());
            var expected = ExpectedDiagnostics.Read(_package.ConsumerPath(MisuseSource));
            IReadOnlyList<BuildDiagnostic> reported = BuildDiagnostic.ParseMmap(build.Output);
            Assert.True(expected.SequenceEqual(reported.Select(d => d.Position).Distinct()), Mismatch(expected, reported, build));
            Assert.All(reported, d => Assert.Equal("error", d.Severity));
        }

        [Fact]
        public void ErrorLog_writes_SARIF_with_the_same_results_as_the_console()
        {
            _package.SharedBuild(MisuseProject);
            string sarif = Path.Combine(_package.WorkRoot, "misuse.sarif");
            // A comma separates properties on MSBuild's command line, so the one in "file,version=2.1" is escaped.
            CommandResult build = _package.Build(MisuseProject, "--no-restore", "--no-incremental", $"-p:ErrorLog={sarif}%2Cversion=2.1");
            Assert.True(build.ExitCode == 0, build.ToString());
            Assert.True(File.Exists(sarif), "no SARIF log was written: " + build);

            using JsonDocument log = JsonDocument.Parse(File.ReadAllText(sarif));
            Assert.Equal("2.1.0", log.RootElement.GetProperty("version").GetString());
            JsonElement run = log.RootElement.GetProperty("runs")[0];
            var results = run.GetProperty("results").EnumerateArray()
                .Where(r => r.GetProperty("ruleId").GetString()!.StartsWith("MMAP", StringComparison.Ordinal))
                .Select(r =>
                {
                    JsonElement location = r.GetProperty("locations")[0].GetProperty("physicalLocation");
                    JsonElement region = location.GetProperty("region");
                    string file = new Uri(location.GetProperty("artifactLocation").GetProperty("uri").GetString()!).LocalPath;
                    return (Position: (Path.GetFullPath(file), region.GetProperty("startLine").GetInt32(), region.GetProperty("startColumn").GetInt32(), r.GetProperty("ruleId").GetString()!),
                            Level: r.GetProperty("level").GetString(),
                            Text: r.GetProperty("message").GetProperty("text").GetString());
                })
                .OrderBy(r => r.Position.Item2).ThenBy(r => r.Position.Item3)
                .ToList();

            IReadOnlyList<BuildDiagnostic> console = BuildDiagnostic.ParseMmap(build.Output);
            Assert.Equal(console.Select(d => d.Position).Distinct(), results.Select(r => r.Position).Distinct());
            Assert.Equal(ExpectedDiagnostics.Read(_package.ConsumerPath(MisuseSource)), results.Select(r => r.Position).Distinct());
            Assert.All(results, r => Assert.Equal("warning", r.Level));
            Assert.All(results, r => Assert.Contains(console, d => d.Position == r.Position && d.Message.StartsWith(r.Text!, StringComparison.Ordinal)));

            // Each rule is described in the log, with its help link.
            var rules = run.GetProperty("tool").GetProperty("driver").GetProperty("rules").EnumerateArray()
                .Where(r => r.GetProperty("id").GetString()!.StartsWith("MMAP", StringComparison.Ordinal))
                .ToDictionary(r => r.GetProperty("id").GetString()!, r => r.TryGetProperty("helpUri", out JsonElement uri) ? uri.GetString() : null);
            Assert.All(AllRules, id => Assert.EndsWith($"docs/rules/{id}.md", rules[id]));
        }

        [Fact]
        public void One_category_severity_switches_every_rule_and_a_rule_s_own_severity_still_wins()
        {
            _package.SharedBuild(MisuseProject);
            string editorConfig = _package.ConsumerPath("misuse/.editorconfig");
            File.WriteAllText(editorConfig, "root = true\n\n[*.cs]\ndotnet_analyzer_diagnostic.category-CheckedMmap.severity = error\ndotnet_diagnostic.MMAP005.severity = none\n");
            CommandResult build;
            try
            {
                build = _package.Build(MisuseProject, "--no-restore", "--no-incremental");
            }
            finally
            {
                File.Delete(editorConfig);
            }

            Assert.True(build.ExitCode != 0, "category-CheckedMmap = error must fail the build: " + build);
            IReadOnlyList<BuildDiagnostic> reported = BuildDiagnostic.ParseMmap(build.Output);
            var expected = ExpectedDiagnostics.Read(_package.ConsumerPath(MisuseSource)).Where(e => e.Id != "MMAP005").ToList();
            Assert.True(expected.SequenceEqual(reported.Select(d => d.Position).Distinct()), Mismatch(expected, reported, build));
            Assert.All(reported, d => Assert.Equal("error", d.Severity));
            // The category is the package's own: no other analyzer's rule became an error.
            Assert.All(BuildDiagnostic.Parse(build.Output).Where(d => d.Severity == "error"), d => Assert.StartsWith("MMAP", d.Id));
        }

        [Fact]
        public void An_editorconfig_severity_takes_effect()
        {
            _package.SharedBuild(MisuseProject);
            string editorConfig = _package.ConsumerPath("misuse/.editorconfig");
            File.WriteAllText(editorConfig, "root = true\n\n[*.cs]\ndotnet_diagnostic.MMAP002.severity = error\ndotnet_diagnostic.MMAP005.severity = none\n");
            CommandResult build;
            try
            {
                build = _package.Build(MisuseProject, "--no-restore", "--no-incremental");
            }
            finally
            {
                File.Delete(editorConfig);
            }

            Assert.True(build.ExitCode != 0, "MMAP002 = error must fail the build: " + build);
            IReadOnlyList<BuildDiagnostic> reported = BuildDiagnostic.ParseMmap(build.Output);
            var expected = ExpectedDiagnostics.Read(_package.ConsumerPath(MisuseSource)).Where(e => e.Id != "MMAP005").ToList();
            Assert.True(expected.SequenceEqual(reported.Select(d => d.Position).Distinct()), Mismatch(expected, reported, build));
            Assert.All(reported, d => Assert.Equal(d.Id == "MMAP002" ? "error" : "warning", d.Severity));
        }

        [Fact]
        public void The_target_OS_decides_what_0x20_means()
        {
            string source = _package.ConsumerPath(OsDependentSource);
            var onMacOS = ExpectedDiagnostics.Read(source, "macos");
            Assert.Equal(new[] { "MMAP005" }, onMacOS.Select(e => e.Id));
            Assert.Empty(ExpectedDiagnostics.Read(source, "linux"));

            // Linux by default: 0x02|0x20 is MAP_PRIVATE|MAP_ANONYMOUS.
            CommandResult linux = _package.Build(OsDependentProject);
            AssertReports(linux, Array.Empty<(string, int, int, string)>());
            string generated = GeneratedEditorConfig("osdep/obj/Debug/net10.0");
            Assert.Contains("build_property.RuntimeIdentifier = ", generated);
            Assert.Contains("build_property.CheckedMmapTargetOS = ", generated);

            // .editorconfig key.
            string editorConfig = _package.ConsumerPath("osdep/.editorconfig");
            File.WriteAllText(editorConfig, "root = true\n\n[*.cs]\ncheckedmmap.target_os = macos\n");
            try
            {
                AssertReports(_package.Build(OsDependentProject, "--no-restore", "--no-incremental"), onMacOS);
            }
            finally
            {
                File.Delete(editorConfig);
            }

            // The explicit MSBuild override, made visible to the analyzer by the package.
            CommandResult macOS = _package.Build(OsDependentProject, "--no-restore", "--no-incremental", "-p:CheckedMmapTargetOS=macos");
            AssertReports(macOS, onMacOS);
            Assert.DoesNotContain("CheckedMmapTargetOS is", macOS.Output, StringComparison.Ordinal);
            Assert.Contains("build_property.CheckedMmapTargetOS = macos", GeneratedEditorConfig("osdep/obj/Debug/net10.0"));

            // A name the analyzer does not know is ignored, and the build says so.
            CommandResult unknown = _package.Build(OsDependentProject, "--no-restore", "--no-incremental", "-p:CheckedMmapTargetOS=mac");
            AssertReports(unknown, Array.Empty<(string, int, int, string)>());
            Assert.Contains("CheckedMmap: CheckedMmapTargetOS is 'mac', which is no target OS the analyzer knows", unknown.Output, StringComparison.Ordinal);

            // The project's RuntimeIdentifier, made visible by the package; and the override beats it.
            AssertReports(_package.Build(OsDependentProject, "--no-incremental", "-p:RuntimeIdentifier=osx-arm64"), onMacOS);
            Assert.Contains("build_property.RuntimeIdentifier = osx-arm64", GeneratedEditorConfig("osdep/obj/Debug/net10.0/osx-arm64"));
            AssertReports(
                _package.Build(OsDependentProject, "--no-restore", "--no-incremental", "-p:RuntimeIdentifier=osx-arm64", "-p:CheckedMmapTargetOS=linux"),
                Array.Empty<(string, int, int, string)>());
        }

        private static void AssertReports(CommandResult build, IReadOnlyList<(string File, int Line, int Column, string Id)> expected)
        {
            Assert.True(build.ExitCode == 0, build.ToString());
            IReadOnlyList<BuildDiagnostic> reported = BuildDiagnostic.ParseMmap(build.Output);
            Assert.True(expected.SequenceEqual(reported.Select(d => d.Position).Distinct()), Mismatch(expected, reported, build));
        }

        private static string Mismatch(IEnumerable<(string File, int Line, int Column, string Id)> expected, IEnumerable<BuildDiagnostic> reported, CommandResult build) =>
            "expected:" + Environment.NewLine +
            string.Join(Environment.NewLine, expected.Select(e => $"  {e.File}({e.Line},{e.Column}): {e.Id}")) + Environment.NewLine +
            "reported:" + Environment.NewLine +
            string.Join(Environment.NewLine, reported.Select(d => $"  {d.File}({d.Line},{d.Column}): {d.Severity} {d.Id}")) + Environment.NewLine +
            build;

        private string GeneratedEditorConfig(string objFolder)
        {
            string folder = _package.ConsumerPath(objFolder);
            string file = Directory.GetFiles(folder, "*.GeneratedMSBuildEditorConfig.editorconfig").Single();
            return File.ReadAllText(file);
        }
    }
}
