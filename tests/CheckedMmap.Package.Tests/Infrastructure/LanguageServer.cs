using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading;

namespace CheckedMmap.Package.Tests.Infrastructure
{
    /// <summary>
    /// A minimal LSP client over a server's standard input and output (JSON-RPC with Content-Length framing), as an
    /// editor drives it: it answers the server's requests (workspace/configuration with the settings it was given,
    /// everything else with null), keeps what the server pushes, and sends requests and notifications.
    /// </summary>
    public sealed class LanguageServer : IDisposable
    {
        private readonly Process _process;
        private readonly JsonObject _configuration;
        private readonly BlockingCollection<JsonObject> _incoming = new BlockingCollection<JsonObject>();
        private readonly StringBuilder _stderr = new StringBuilder();
        private readonly List<string> _seen = new List<string>();
        private readonly object _write = new object();
        private int _nextId;

        public LanguageServer(string fileName, IEnumerable<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string> environment, JsonObject configuration)
        {
            _configuration = configuration;
            var start = new ProcessStartInfo(fileName)
            {
                WorkingDirectory = workingDirectory,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (string a in arguments)
            {
                start.ArgumentList.Add(a);
            }

            foreach (KeyValuePair<string, string> kv in environment)
            {
                start.Environment[kv.Key] = kv.Value;
            }

            _process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + fileName);
            _process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data != null)
                {
                    lock (_stderr)
                    {
                        _stderr.AppendLine(e.Data);
                    }
                }
            };
            _process.BeginErrorReadLine();
            new Thread(ReadMessages) { IsBackground = true, Name = "LSP reader" }.Start();
        }

        /// <summary>What the server wrote to standard error (its log) and the methods of the messages seen, for failure messages.</summary>
        public string Transcript
        {
            get
            {
                string seen;
                lock (_seen)
                {
                    seen = string.Join(", ", _seen);
                }

                lock (_stderr)
                {
                    return $"messages seen: {seen}\n--- server log ---\n{_stderr}";
                }
            }
        }

        public void Notify(string method, JsonNode? parameters) =>
            Send(new JsonObject { ["jsonrpc"] = "2.0", ["method"] = method, ["params"] = parameters });

        /// <summary>Sends a request and waits for its response; the result (null when the server returned an error or timed out).</summary>
        public JsonNode? Request(string method, JsonNode? parameters, TimeSpan timeout, out string? error)
        {
            int id = Interlocked.Increment(ref _nextId) + 1000;
            Send(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["method"] = method, ["params"] = parameters });
            var deadline = Stopwatch.StartNew();
            while (deadline.Elapsed < timeout)
            {
                if (!_incoming.TryTake(out JsonObject? message, TimeSpan.FromMilliseconds(200)))
                {
                    if (_process.HasExited)
                    {
                        error = $"the server exited with code {_process.ExitCode}";
                        return null;
                    }

                    continue;
                }

                if (message["id"] is JsonValue v && v.TryGetValue(out int got) && got == id && message["method"] == null)
                {
                    error = message["error"]?.ToJsonString();
                    return message["result"];
                }
            }

            error = $"no response to {method} within {timeout.TotalSeconds:F0} s";
            return null;
        }

        private void Send(JsonObject message)
        {
            byte[] body = Encoding.UTF8.GetBytes(message.ToJsonString());
            byte[] header = Encoding.ASCII.GetBytes($"Content-Length: {body.Length}\r\n\r\n");
            lock (_write)
            {
                Stream input = _process.StandardInput.BaseStream;
                input.Write(header);
                input.Write(body);
                input.Flush();
            }
        }

        private void ReadMessages()
        {
            try
            {
                Stream output = _process.StandardOutput.BaseStream;
                while (true)
                {
                    int length = -1;
                    string? line;
                    while ((line = ReadHeaderLine(output)) != null && line.Length > 0)
                    {
                        if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
                        {
                            length = int.Parse(line.Substring("Content-Length:".Length).Trim(), System.Globalization.CultureInfo.InvariantCulture);
                        }
                    }

                    if (line == null || length < 0)
                    {
                        return;
                    }

                    byte[] body = new byte[length];
                    int read = 0;
                    while (read < length)
                    {
                        int n = output.Read(body, read, length - read);
                        if (n <= 0)
                        {
                            return;
                        }

                        read += n;
                    }

                    if (JsonNode.Parse(body) is JsonObject message)
                    {
                        Handle(message);
                    }
                }
            }
            catch (Exception e) when (e is IOException || e is ObjectDisposedException || e is JsonException)
            {
                lock (_stderr)
                {
                    _stderr.AppendLine("client: reading stopped: " + e.Message);
                }
            }
            finally
            {
                _incoming.CompleteAdding();
            }
        }

        private void Handle(JsonObject message)
        {
            string? method = (string?)message["method"];
            lock (_seen)
            {
                _seen.Add(method ?? "response " + message["id"]?.ToJsonString());
            }

            if (method != null && message["id"] != null)
            {
                // A request from the server: configuration gets our settings, one per item asked for.
                JsonNode? result = null;
                if (method == "workspace/configuration")
                {
                    var items = new JsonArray();
                    foreach (JsonNode? _ in message["params"]?["items"]?.AsArray() ?? new JsonArray())
                    {
                        items.Add(_configuration.DeepClone());
                    }

                    result = items;
                }

                Send(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = message["id"]!.DeepClone(), ["result"] = result });
                return;
            }

            _incoming.Add(message);
        }

        private static string? ReadHeaderLine(Stream stream)
        {
            var bytes = new List<byte>();
            while (true)
            {
                int b = stream.ReadByte();
                if (b < 0)
                {
                    return null;
                }

                if (b == '\n')
                {
                    return Encoding.ASCII.GetString(bytes.ToArray()).TrimEnd('\r');
                }

                bytes.Add((byte)b);
            }
        }

        public void Dispose()
        {
            try
            {
                if (!_process.HasExited)
                {
                    _process.Kill(entireProcessTree: true);
                    _process.WaitForExit(10_000);
                }
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }

            _process.Dispose();
        }
    }
}
