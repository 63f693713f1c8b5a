using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;

namespace CheckedMmap.Benchmarks.Harness
{
    /// <summary>Finds the SDK the user's `dotnet` resolves to (global.json respected), and the files it ships that the
    /// benchmark loads: the NetAnalyzers and the LibraryImport source generator.</summary>
    internal static class SdkLocator
    {
        private static readonly Lazy<string> s_sdkVersion = new(QuerySdkVersion);

        public static string SdkVersion => s_sdkVersion.Value;

        /// <summary>The dotnet root, derived from the running runtime (…/shared/Microsoft.NETCore.App/&lt;version&gt;/).</summary>
        public static string DotnetRoot =>
            Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));

        public static string NetAnalyzersDirectory =>
            Path.Combine(DotnetRoot, "sdk", SdkVersion, "Sdks", "Microsoft.NET.Sdk", "analyzers");

        /// <summary>The LibraryImport generator of the newest installed Microsoft.NETCore.App targeting pack, the one a
        /// build of a LibraryImport project runs before any analyzer sees the code.</summary>
        public static string LibraryImportGenerator
        {
            get
            {
                string packs = Path.Combine(DotnetRoot, "packs", "Microsoft.NETCore.App.Ref");
                string? path = Directory.Exists(packs)
                    ? Directory.GetDirectories(packs)
                        .OrderByDescending(d => Version.TryParse(Path.GetFileName(d).Split('-')[0], out Version? v) ? v : new Version())
                        .Select(d => Path.Combine(d, "analyzers", "dotnet", "cs", "Microsoft.Interop.LibraryImportGenerator.dll"))
                        .FirstOrDefault(File.Exists)
                    : null;
                return path ?? throw new FileNotFoundException($"no Microsoft.Interop.LibraryImportGenerator.dll under {packs}");
            }
        }

        private static string QuerySdkVersion()
        {
            string dotnet = Path.Combine(DotnetRoot, OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet");
            var start = new ProcessStartInfo(File.Exists(dotnet) ? dotnet : "dotnet", "--version")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            using Process process = Process.Start(start) ?? throw new InvalidOperationException("cannot start dotnet --version");
            string version = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            return version;
        }
    }
}
