using System;
using System.IO;
using System.Linq;
using CheckedMmap.Package.Tests.Infrastructure;
using Xunit;

namespace CheckedMmap.Package.Tests
{
    /// <summary>Moment three: -p:CheckedMmap=true swaps the consumer's libc binding for the checked runtime.</summary>
    [Collection(PackageCollection.Name)]
    public class CheckedRuntimeTests
    {
        private readonly PackageFixture _package;

        public CheckedRuntimeTests(PackageFixture package) => _package = package;

        private static long Page => Environment.SystemPageSize;

        [Fact]
        public void A_partial_munmap_goes_unnoticed_on_libc_and_is_Undefined_Behavior_under_CheckedMmap()
        {
            // Unchecked: libc's munmap says 0 for the first page of a two-page mapping, and the program goes on.
            // (The shared unchecked build; only this test builds the app with CHECKED, after running it unchecked.)
            CommandResult libcBuild = _package.SharedBuild("app/app.csproj");
            Assert.True(libcBuild.ExitCode == 0, libcBuild.ToString());
            CommandResult libcRun = _package.RunProgram("app/bin/Debug/net10.0/app.dll");
            Assert.True(libcRun.ExitCode == 0, libcRun.ToString());
            Assert.Contains("mode=unchecked", libcRun.Output);
            Assert.Contains("partial munmap returned 0", libcRun.Output);
            Assert.Contains("went on", libcRun.Output);

            // Checked: the #if CHECKED branch is compiled and the same munmap is reported, with where the mapping was made.
            CommandResult checkedBuild = _package.Build("app/app.csproj", "--no-restore", "-p:CheckedMmap=true");
            Assert.True(checkedBuild.ExitCode == 0, checkedBuild.ToString());
            Assert.Empty(BuildDiagnostic.ParseMmap(checkedBuild.Output));
            CommandResult checkedRun = _package.RunProgram("app/bin/Debug/net10.0/app.dll");

            Assert.True(checkedRun.ExitCode == 3, checkedRun.ToString());
            Assert.Contains("mode=checked", checkedRun.Output);
            Assert.DoesNotContain("went on", checkedRun.Output);
            Assert.Contains("caught CheckedMmap.UndefinedBehaviorException", checkedRun.Output);
            Assert.Contains($"incorrect layout on deallocation: alloc", checkedRun.Output);
            Assert.Contains($"has size {2 * Page} and alignment {Page}, but gave size {Page} and alignment {Page}", checkedRun.Output);
            string creation = After(checkedRun.Output, "was created by mmap on thread");
            Assert.Contains("App.PageRuns.MapRun", creation);
            Assert.Contains("App.Program.Main", creation);
        }

        [Fact]
        public void An_app_that_only_references_a_library_that_references_the_package_gets_all_three_moments()
        {
            CommandResult build = _package.Build("transitive/app/app.csproj", "-p:CheckedMmap=true");
            Assert.True(build.ExitCode == 0, build.ToString());
            Assert.DoesNotContain("is not: its #if CHECKED branch is not compiled", build.Output);

            // The analyzer runs on the app's own code.
            var expected = ExpectedDiagnostics.Read(_package.ConsumerPath("transitive/app/Program.cs"));
            Assert.Equal(new[] { "MMAP014", "MMAP002" }, expected.Select(e => e.Id));
            Assert.Equal(expected, BuildDiagnostic.ParseMmap(build.Output).Select(d => d.Position).Distinct());

            // buildTransitive/ reached the app: its generated analyzer config has the package's properties.
            string assets = File.ReadAllText(_package.ConsumerPath("transitive/app/obj/project.assets.json"));
            Assert.Contains("buildTransitive/CheckedMmap.targets", assets);
            string generated = File.ReadAllText(Directory.GetFiles(_package.ConsumerPath("transitive/app/obj/Debug/net10.0"), "*.GeneratedMSBuildEditorConfig.editorconfig").Single());
            Assert.Contains("build_property.CheckedMmapTargetOS = ", generated);

            // CHECKED was defined for the app, and the runtime came along: the partial munmap is reported.
            CommandResult run = _package.RunProgram("transitive/app/bin/Debug/net10.0/app.dll");
            Assert.True(run.ExitCode == 3, run.ToString());
            Assert.Contains("mode=checked", run.Output);
            Assert.Contains("caught CheckedMmap.UndefinedBehaviorException", run.Output);
            Assert.Contains("incorrect layout on deallocation", run.Output);
            Assert.Contains("TransitiveApp.Program.Main", After(run.Output, "was created by mmap on thread"));
        }

        [Fact]
        public void CheckedMmap_set_in_one_project_only_warns_about_the_referenced_library_it_leaves_unchecked()
        {
            // Up to the references only: compiling the app here would leave the other tests' build of it up to date, and
            // its analyzer diagnostics unprinted.
            CommandResult build = _package.Build("transitive/app/app.csproj", "-p:CheckedMmapInAppOnly=true", "-t:ResolveProjectReferences");
            Assert.True(build.ExitCode == 0, build.ToString());
            Assert.Contains("warning : CheckedMmap: app is built with CheckedMmap=true, but the project it references, ", build.Output);
            Assert.Contains("lib.csproj, is not: its #if CHECKED branch is not compiled and its mmap calls go to libc, unchecked.", build.Output);
        }

        [Fact]
        public void A_binding_adopted_by_the_code_fix_runs_on_libc_without_CHECKED_and_on_the_checked_runtime_with_it()
        {
            // Libc.cs is the adoption fix's output (CheckedMmap.Analyzers.Tests compares the fix with this file); the call sites
            // name the binding directly, with no alias and no #if.
            CommandResult libcBuild = _package.Build("adopted/adopted.csproj");
            Assert.True(libcBuild.ExitCode == 0, libcBuild.ToString());
            Assert.Empty(BuildDiagnostic.ParseMmap(libcBuild.Output));
            CommandResult libcRun = _package.RunProgram("adopted/bin/Debug/net10.0/adopted.dll");
            Assert.True(libcRun.ExitCode == 0, libcRun.ToString());
            Assert.Contains("mode=unchecked", libcRun.Output);
            Assert.Contains("madvise returned 0", libcRun.Output);
            Assert.Contains("partial munmap returned 0", libcRun.Output);
            Assert.Contains("went on", libcRun.Output);

            // CHECKED: no call escapes the checked runtime (no MMAP014), and the partial munmap is reported with the
            // program's own call sites, passed through the forwarders' caller-info parameters.
            CommandResult checkedBuild = _package.Build("adopted/adopted.csproj", "--no-restore", "-p:CheckedMmap=true");
            Assert.True(checkedBuild.ExitCode == 0, checkedBuild.ToString());
            Assert.Empty(BuildDiagnostic.ParseMmap(checkedBuild.Output));
            CommandResult checkedRun = _package.RunProgram("adopted/bin/Debug/net10.0/adopted.dll");
            Assert.True(checkedRun.ExitCode == 3, checkedRun.ToString());
            Assert.Contains("mode=checked", checkedRun.Output);
            Assert.Contains("madvise returned 0", checkedRun.Output);
            Assert.Contains("caught CheckedMmap.UndefinedBehaviorException", checkedRun.Output);
            Assert.Contains("incorrect layout on deallocation", checkedRun.Output);
            string creation = After(checkedRun.Output, "was created by mmap on thread");
            Assert.Contains("mmap called at", creation);
            Assert.Contains("Program.cs:line 16 (in Main)", creation);
        }

        private static string After(string text, string marker)
        {
            int at = text.IndexOf(marker, StringComparison.Ordinal);
            Assert.True(at >= 0, $"\"{marker}\" not found in:{Environment.NewLine}{text}");
            return text.Substring(at);
        }
    }
}
