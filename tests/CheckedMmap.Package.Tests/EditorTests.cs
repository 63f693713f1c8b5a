using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using CheckedMmap.Package.Tests.Infrastructure;
using Xunit;

namespace CheckedMmap.Package.Tests
{
    /// <summary>
    /// Moment one in an editor: csharp-ls 0.28.0 (a C# language server, installed as a local dotnet tool) on a
    /// consumer of the packed package, driven over LSP as an editor drives it, with the setting it needs
    /// (`csharp.analyzersEnabled: true`, asked for through workspace/configuration). The squiggles must arrive at the
    /// marked arguments when the file is opened, and a new one after an edit that adds a misuse.
    /// </summary>
    [Collection(PackageCollection.Name)]
    public class EditorTests
    {
        private const string ServerVersion = "0.28.0";
        private const string Project = "misuse/misuse.csproj";
        private const string Source = "misuse/MisusingAllocator.cs";
        private static readonly TimeSpan Startup = TimeSpan.FromSeconds(60);
        private static readonly TimeSpan SolutionLoad = TimeSpan.FromSeconds(180);

        private readonly PackageFixture _package;

        public EditorTests(PackageFixture package) => _package = package;

        [Fact]
        public void Csharp_ls_shows_the_squiggles_when_a_file_opens_and_after_an_edit()
        {
            CommandResult restore = _package.SharedBuild(Project);
            Assert.True(restore.ExitCode == 0, restore.ToString());
            string tools = InstallServer();

            string file = _package.ConsumerPath(Source);
            string uri = new Uri(file).AbsoluteUri;
            string[] lines = File.ReadAllLines(file);
            using var server = new LanguageServer(
                PackageFixture.DotNetHost, new[] { "tool", "run", "csharp-ls", "--", "--loglevel", "info" }, tools,
                ToolEnvironment(), new JsonObject { ["analyzersEnabled"] = true });

            string root = new Uri(Path.GetDirectoryName(_package.ConsumerPath(Project))! + Path.DirectorySeparatorChar).AbsoluteUri.TrimEnd('/');
            JsonNode? initialized = server.Request("initialize", new JsonObject
            {
                ["processId"] = Environment.ProcessId,
                ["rootUri"] = root,
                ["workspaceFolders"] = new JsonArray(new JsonObject { ["uri"] = root, ["name"] = "misuse" }),
                ["capabilities"] = new JsonObject
                {
                    ["workspace"] = new JsonObject { ["configuration"] = true },
                    ["textDocument"] = new JsonObject { ["publishDiagnostics"] = new JsonObject(), ["diagnostic"] = new JsonObject() },
                },
            }, Startup, out string? error);
            Assert.True(initialized?["capabilities"]?["diagnosticProvider"] != null, $"initialize: {error ?? initialized?.ToJsonString()}\n{server.Transcript}");
            server.Notify("initialized", new JsonObject());

            server.Notify("textDocument/didOpen", new JsonObject
            {
                ["textDocument"] = new JsonObject { ["uri"] = uri, ["languageId"] = "csharp", ["version"] = 1, ["text"] = string.Join("\n", lines) + "\n" },
            });
            var expected = ExpectedDiagnostics.FromLines(file, lines);
            Assert.Equal(7, expected.Count);
            AssertSquiggles(server, uri, file, expected, "on open");

            // The edit: a new method with a MAP_SHARED mapping, typed into the open document.
            int at = Array.FindIndex(lines, l => l.Contains("public static class MisusingAllocator", StringComparison.Ordinal)) + 2;
            var edited = lines.Take(at)
                .Append("        public static nint AddedInTheEditor(nuint size) => Libc.mmap(0, size, Libc.PROT_READ | Libc.PROT_WRITE, /*MMAP002*/Libc.MAP_SHARED | Libc.MAP_ANONYMOUS, -1, 0);")
                .Concat(lines.Skip(at)).ToArray();
            server.Notify("textDocument/didChange", new JsonObject
            {
                ["textDocument"] = new JsonObject { ["uri"] = uri, ["version"] = 2 },
                ["contentChanges"] = new JsonArray(new JsonObject { ["text"] = string.Join("\n", edited) + "\n" }),
            });
            var afterEdit = ExpectedDiagnostics.FromLines(file, edited);
            Assert.Equal(8, afterEdit.Count);
            AssertSquiggles(server, uri, file, afterEdit, "after the edit");

            server.Request("shutdown", null, TimeSpan.FromSeconds(20), out _);
            server.Notify("exit", null);
        }

        /// <summary>Pulls the document's diagnostics until the MMAP ones match (the first pulls may come before the
        /// project and its analyzers are loaded), and fails with the last answer and the server's log.</summary>
        private static void AssertSquiggles(LanguageServer server, string uri, string file, IReadOnlyList<(string File, int Line, int Column, string Id)> expected, string when)
        {
            var deadline = System.Diagnostics.Stopwatch.StartNew();
            string last = "(none)";
            while (deadline.Elapsed < SolutionLoad)
            {
                JsonNode? report = server.Request("textDocument/diagnostic", new JsonObject { ["textDocument"] = new JsonObject { ["uri"] = uri } }, SolutionLoad, out string? error);
                if (report == null)
                {
                    last = "error: " + error;
                    break;
                }

                var squiggles = (report["items"]?.AsArray() ?? new JsonArray())
                    .Where(d => ((string?)d?["code"])?.StartsWith("MMAP", StringComparison.Ordinal) == true)
                    .Select(d => (File: file, Line: (int)d!["range"]!["start"]!["line"]! + 1, Column: (int)d["range"]!["start"]!["character"]! + 1, Id: (string)d["code"]!))
                    .OrderBy(d => d.Line).ThenBy(d => d.Column).ThenBy(d => d.Id, StringComparer.Ordinal)
                    .ToList();
                last = string.Join("; ", squiggles);
                if (squiggles.SequenceEqual(expected.OrderBy(d => d.Line).ThenBy(d => d.Column).ThenBy(d => d.Id, StringComparer.Ordinal)))
                {
                    Assert.DoesNotContain("AD0001", report.ToJsonString(), StringComparison.Ordinal);
                    return;
                }

                System.Threading.Thread.Sleep(1000);
            }

            Assert.Fail($"squiggles {when}: expected {string.Join("; ", expected)}\nlast answer: {last}\n{server.Transcript}");
        }

        /// <summary>
        /// The consumers' environment with a .NET CLI home of this run's own: the SDK remembers where a local tool was
        /// restored (DOTNET_CLI_HOME/.dotnet/toolResolverCache) and keeps that entry when the same version is restored
        /// elsewhere, so the machine's home would send `dotnet tool run` to the package folder of an earlier run, deleted since.
        /// </summary>
        private Dictionary<string, string> ToolEnvironment() =>
            new Dictionary<string, string>(_package.ConsumerEnvironment) { ["DOTNET_CLI_HOME"] = Path.Combine(_package.WorkRoot, "cli-home") };

        /// <summary>csharp-ls as a local tool (a manifest in a folder of its own, from the machine's NuGet source).</summary>
        private string InstallServer()
        {
            string tools = Path.Combine(_package.WorkRoot, "tools");
            Directory.CreateDirectory(tools);
            File.Copy(Path.Combine(_package.RepositoryRoot, "nuget.config"), Path.Combine(tools, "nuget.config"), overwrite: true);
            if (!File.Exists(Path.Combine(tools, ".config", "dotnet-tools.json")))
            {
                CommandResult manifest = Command.Run(PackageFixture.DotNetHost, new[] { "new", "tool-manifest" }, tools, ToolEnvironment(), Startup);
                Assert.True(manifest.ExitCode == 0, manifest.ToString());
            }

            CommandResult install = Command.Run(PackageFixture.DotNetHost, new[] { "tool", "install", "csharp-ls", "--version", ServerVersion }, tools, ToolEnvironment(), SolutionLoad);
            Assert.True(install.ExitCode == 0, install.ToString());
            return tools;
        }
    }
}
