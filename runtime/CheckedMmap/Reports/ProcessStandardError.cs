// Reports that no exception carries (a fault that ends the process, leaks at exit, the map-entry budget note) go to
// the process's standard error itself, file descriptor 2, not to Console.Error: test frameworks replace Console.Error
// to capture each test's output (MSTest, NUnit), and what they captured is lost when the process ends on a fault.
// Test hosts show the process's own standard error when it crashes.
using System;
using System.IO;
using System.Text;
using System.Threading;

namespace CheckedMmap.Reports
{
    internal static class ProcessStandardError
    {
        private static TextWriter? _writer;

        /// <summary>A writer on the process's standard error stream, flushed after every write, safe across threads.</summary>
        public static TextWriter Writer => Volatile.Read(ref _writer) ?? Create();

        private static TextWriter Create()
        {
            var stream = new StreamWriter(Console.OpenStandardError(), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 4096, leaveOpen: true)
            {
                AutoFlush = true,
            };
            TextWriter writer = TextWriter.Synchronized(stream);
            return Interlocked.CompareExchange(ref _writer, writer, null) ?? writer;
        }
    }
}
