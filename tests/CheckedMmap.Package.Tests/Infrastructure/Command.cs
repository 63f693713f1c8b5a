using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Text;

namespace CheckedMmap.Package.Tests.Infrastructure
{
    /// <summary>What a finished command printed and returned.</summary>
    public sealed class CommandResult
    {
        public CommandResult(string commandLine, int exitCode, string output, TimeSpan elapsed)
        {
            CommandLine = commandLine;
            ExitCode = exitCode;
            Output = output;
            Elapsed = elapsed;
        }

        public string CommandLine { get; }

        public int ExitCode { get; }

        /// <summary>Standard output, then standard error.</summary>
        public string Output { get; }

        public TimeSpan Elapsed { get; }

        /// <summary>For assertion messages: the command, how it ended, and everything it printed.</summary>
        public override string ToString() =>
            $"`{CommandLine}` exited with {ExitCode} after {Elapsed.TotalSeconds:F1} s:{Environment.NewLine}{Output}";
    }

    /// <summary>Runs a child process with a scrubbed environment and a time limit; never leaves it running.</summary>
    public static class Command
    {
        /// <summary>Variables that the test host inherited from the outer build and that must not steer the inner one.</summary>
        private static readonly string[] InheritedPrefixesToDrop = { "MSBUILD", "VSTEST", "TESTINGPLATFORM", "NUGET_", "CHECKEDMMAP_", "DOTNET_CLI_TELEMETRY_SESSIONID" };

        public static CommandResult Run(string fileName, IEnumerable<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string> environment, TimeSpan timeout)
        {
            var start = new ProcessStartInfo(fileName)
            {
                WorkingDirectory = workingDirectory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
            };
            foreach (string argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            foreach (string key in start.Environment.Keys.ToList())
            {
                if (InheritedPrefixesToDrop.Any(prefix => key.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)))
                {
                    start.Environment.Remove(key);
                }
            }

            foreach (KeyValuePair<string, string> variable in environment)
            {
                start.Environment[variable.Key] = variable.Value;
            }

            string commandLine = fileName + " " + string.Join(" ", start.ArgumentList.Select(a => a.Contains(' ') ? $"\"{a}\"" : a));
            var stdout = new StringBuilder();
            var stderr = new StringBuilder();
            var clock = Stopwatch.StartNew();
            using var process = new Process { StartInfo = start };
            process.OutputDataReceived += (_, e) => { if (e.Data != null) { lock (stdout) { stdout.AppendLine(e.Data); } } };
            process.ErrorDataReceived += (_, e) => { if (e.Data != null) { lock (stderr) { stderr.AppendLine(e.Data); } } };
            process.Start();
            process.StandardInput.Close();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            if (!process.WaitForExit(timeout))
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
                return new CommandResult(commandLine, -1, $"TIMED OUT after {timeout.TotalSeconds:F0} s{Environment.NewLine}{stdout}{stderr}", clock.Elapsed);
            }

            process.WaitForExit(); // drains the asynchronous readers
            lock (stdout)
            {
                lock (stderr)
                {
                    return new CommandResult(commandLine, process.ExitCode, stdout.ToString() + stderr, clock.Elapsed);
                }
            }
        }
    }
}
