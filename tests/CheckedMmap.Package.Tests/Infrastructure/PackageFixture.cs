using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using Xunit;

namespace CheckedMmap.Package.Tests.Infrastructure
{
    /// <summary>
    /// Packs CheckedMmap once per test run into a local feed in a temporary folder, and lays out the consumer projects
    /// next to it with a nuget.config that lists only that feed and a package folder of their own. The version is
    /// unique per run, so no cache anywhere can serve a stale package.
    /// </summary>
    public sealed class PackageFixture : IDisposable
    {
        private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(5);
        private readonly Dictionary<string, string> _environment;
        private readonly Dictionary<string, CommandResult> _builds = new Dictionary<string, CommandResult>();

        public PackageFixture()
        {
            RepositoryRoot = Metadata("CheckedMmap.RepositoryRoot");
            Configuration = Metadata("CheckedMmap.Configuration");
            WorkRoot = Path.Combine(Path.GetTempPath(), "checkedmmap-e2e-" + Guid.NewGuid().ToString("N").Substring(0, 12));
            Feed = Path.Combine(WorkRoot, "feed");
            Packages = Path.Combine(WorkRoot, "packages");
            Consumers = Path.Combine(WorkRoot, "consumers");
            Version = "0.0.0-e2e." + DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture) + "." + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
            Directory.CreateDirectory(Feed);
            Directory.CreateDirectory(Packages);

            _environment = new Dictionary<string, string>
            {
                ["NUGET_PACKAGES"] = Packages,
                ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
                ["DOTNET_NOLOGO"] = "1",
                ["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1",
                ["DOTNET_CLI_UI_LANGUAGE"] = "en",
                ["MSBUILDDISABLENODEREUSE"] = "1",
            };

            // The package, as `dotnet pack` makes it. The repository's own package cache restores the analyzer's
            // build dependencies; PackageVersion (not Version) leaves the already built assemblies untouched.
            string packProject = Path.Combine(RepositoryRoot, "runtime", "CheckedMmap.Package", "CheckedMmap.Package.csproj");
            PackResult = Command.Run(
                DotNetHost,
                new[] { "pack", packProject, "-c", Configuration, "-o", Feed, "-p:PackageVersion=" + Version, "-nodeReuse:false", "-tl:off", "-v:q", "-clp:NoSummary;ForceNoAlign" },
                RepositoryRoot,
                new Dictionary<string, string>(_environment.Where(kv => kv.Key != "NUGET_PACKAGES")),
                CommandTimeout);
            Logged(PackResult);
            PackagePath = Path.Combine(Feed, "CheckedMmap." + Version + ".nupkg");
            if (PackResult.ExitCode != 0 || !File.Exists(PackagePath))
            {
                throw new InvalidOperationException("Packing CheckedMmap failed: " + PackResult);
            }

            // Third-party packages the consumers use beside CheckedMmap (a binding library), from the test's own restore.
            foreach (string package in Directory.EnumerateFiles(Path.Combine(AppContext.BaseDirectory, "feed"), "*.nupkg"))
            {
                File.Copy(package, Path.Combine(Feed, Path.GetFileName(package)));
            }

            CopyConsumers(Path.Combine(AppContext.BaseDirectory, "Consumers"), Consumers);
        }

        public string RepositoryRoot { get; }

        public string Configuration { get; }

        /// <summary>The temporary folder holding the feed, the consumers' package folder and the consumers.</summary>
        public string WorkRoot { get; }

        public string Feed { get; }

        public string Packages { get; }

        public string Consumers { get; }

        public string Version { get; }

        public string PackagePath { get; }

        /// <summary>The environment every command of the consumers runs with (their own NuGet package folder, no telemetry).</summary>
        public IReadOnlyDictionary<string, string> ConsumerEnvironment => _environment;

        public CommandResult PackResult { get; }

        /// <summary>The machine's NuGet package folder (where this repository's own restore put xunit and the test SDK).</summary>
        public static string MachinePackages =>
            Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
                ? configured
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

        public static string DotNetHost
        {
            get
            {
                string? host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
                return !string.IsNullOrEmpty(host) && File.Exists(host) ? host : "dotnet";
            }
        }

        /// <summary>Full path of a file in the consumers folder, e.g. "misuse/MisusingAllocator.cs".</summary>
        public string ConsumerPath(string relative) => Path.GetFullPath(Path.Combine(Consumers, relative));

        /// <summary>`dotnet build` of a consumer project, with a user's view of the output (diagnostics, no summary).</summary>
        public CommandResult Build(string project, params string[] options) =>
            DotNet(new[] { "build", ConsumerPath(project), "-nodeReuse:false", "-tl:off", "-v:q", "-clp:NoSummary;ForceNoAlign" }.Concat(options).ToArray());

        /// <summary>A build of a consumer that several tests look at, made once (restoring it on the way).</summary>
        public CommandResult SharedBuild(string project, params string[] options)
        {
            string key = project + "|" + string.Join("|", options);
            lock (_builds)
            {
                if (!_builds.TryGetValue(key, out CommandResult? result))
                {
                    result = Build(project, options);
                    _builds[key] = result;
                }

                return result;
            }
        }

        /// <summary>Runs a consumer's built program, e.g. "app/bin/Debug/net10.0/app.dll".</summary>
        public CommandResult RunProgram(string relativeDll) => DotNet(ConsumerPath(relativeDll));

        public CommandResult DotNet(params string[] arguments) =>
            Logged(Command.Run(DotNetHost, arguments, Consumers, _environment, CommandTimeout));

        /// <summary>`dotnet test` of a consumer project on VSTest, its output as the console logger prints it (no terminal
        /// logger, no alignment), with no build server left behind.</summary>
        public CommandResult Test(string project, params string[] options)
        {
            var arguments = new List<string> { "test", ConsumerPath(project) };
            arguments.AddRange(options);
            arguments.AddRange(new[] { "-nodeReuse:false", "-tl:off", "-clp:ForceNoAlign" });
            return DotNet(arguments.ToArray());
        }

        /// <summary>Every command with its duration, in the work folder (kept with CHECKEDMMAP_E2E_KEEP=1).</summary>
        private CommandResult Logged(CommandResult result)
        {
            lock (_builds)
            {
                File.AppendAllText(Path.Combine(WorkRoot, "commands.log"), $"{result.Elapsed.TotalSeconds,6:F1} s  exit {result.ExitCode}  {result.CommandLine}{Environment.NewLine}");
            }

            return result;
        }

        public void Dispose()
        {
            if (Environment.GetEnvironmentVariable("CHECKEDMMAP_E2E_KEEP") == "1")
            {
                return;
            }

            try
            {
                Directory.Delete(WorkRoot, recursive: true);
            }
            catch (IOException)
            {
                // A leftover temporary folder is not worth failing the run for.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        internal static string Metadata(string key) =>
            typeof(PackageFixture).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
            ?? throw new InvalidOperationException("Missing assembly metadata " + key);

        private void CopyConsumers(string source, string destination)
        {
            foreach (string file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
            {
                string target = Path.Combine(destination, Path.GetRelativePath(source, file));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                string text = File.ReadAllText(file)
                    .Replace("@VERSION@", Version, StringComparison.Ordinal)
                    .Replace("@FEED@", Feed, StringComparison.Ordinal)
                    .Replace("@PACKAGES@", Packages, StringComparison.Ordinal)
                    .Replace("@MACHINEPACKAGES@", MachinePackages, StringComparison.Ordinal);
                File.WriteAllText(target, text);
            }
        }
    }

    /// <summary>The end-to-end tests share one package and build consumers one at a time.</summary>
    [CollectionDefinition(Name)]
    public sealed class PackageCollection : ICollectionFixture<PackageFixture>
    {
        public const string Name = "CheckedMmap package end to end";
    }
}
