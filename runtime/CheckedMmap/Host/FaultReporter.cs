// Reports for guard-page and quarantine faults (Linux x64 and arm64), on by default.
//
// A small native library (Native/checkedmmap_fault.c, shipped as runtimes/<rid>/native/libcheckedmmap_fault.so)
// installs a SIGSEGV/SIGBUS handler in front of the .NET runtime's. It watches the address range CheckedMmap's
// mappings occupy (widened at every mapping) and does nothing else for faults outside it. For a fault inside it:
//   - when the runtime hands access violations to managed code (DOTNET_legacyCorruptedStateExceptionsPolicy=1, which
//     the package's test settings set), the runtime raises AccessViolationException; a first-chance handler here puts
//     the report into that exception's message, so the test that faulted fails with the report and the run goes on;
//   - when the process is going to end (no legacy policy: the runtime fails fast; or a fault in native code, which
//     the runtime never hands on), the native handler asks the reporter thread below for the report through a pipe,
//     waits for it to be printed, then lets the runtime's handler end the process as before (exit 134 or 139).
using System;
using System.Diagnostics;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Threading;
using CheckedMmap.Reports;

namespace CheckedMmap.Host
{
    internal static unsafe class FaultReporter
    {
        public const string LibraryFile = "libcheckedmmap_fault.so";
        private const int RequestBytes = 32;
        private const int WaitMilliseconds = 5000;

        private static readonly object Sync = new object();
        private static delegate* unmanaged[Cdecl, SuppressGCTransition]<ulong, ulong, void> _watch;
        private static delegate* unmanaged[Cdecl, SuppressGCTransition]<ulong> _takeLast;
        private static delegate* unmanaged[Cdecl]<ulong*, int, int> _frames;
        private static delegate* unmanaged[Cdecl]<ulong, byte*, int, int> _symbolize;
        private static volatile bool _installed;
        private static string? _unavailable;

        public static bool IsInstalled => _installed;

        /// <summary>Why reports are not installed (null when they are or no attempt was made).</summary>
        public static string? Unavailable => _unavailable;

        /// <summary>True when the runtime hands managed access violations to managed code.</summary>
        public static bool LegacyCorruptedStatePolicy =>
            Environment.GetEnvironmentVariable("DOTNET_legacyCorruptedStateExceptionsPolicy") == "1" ||
            Environment.GetEnvironmentVariable("COMPlus_legacyCorruptedStateExceptionsPolicy") == "1";

        public static bool IsSupportedHere =>
            RuntimeInformation.IsOSPlatform(OSPlatform.Linux)
            && (RuntimeInformation.ProcessArchitecture == Architecture.X64 || RuntimeInformation.ProcessArchitecture == Architecture.Arm64);

        /// <summary>Widens the watched range to a whole reservation (a chunk mappings are carved from, guards included; a few nanoseconds; nothing before install).</summary>
        public static void WatchReservation(ulong start, ulong size)
        {
            if (_installed)
            {
                _watch(start, start + size);
            }
        }

        /// <summary>Installs once; returns false (and changes nothing) where unsupported or when the library cannot be loaded.</summary>
        public static bool TryInstall()
        {
            lock (Sync)
            {
                if (_installed)
                {
                    return true;
                }

                if (!IsSupportedHere)
                {
                    _unavailable = "fault reports need Linux on x64 or arm64";
                    return false;
                }

                if (!TryLoadLibrary(out nint lib))
                {
                    _unavailable = "the native library " + LibraryFile + " was not found next to CheckedMmap.dll (runtimes/<rid>/native/)";
                    return false;
                }

                var install = (delegate* unmanaged[Cdecl]<int, int, int*, int*, int>)NativeLibrary.GetExport(lib, "checkedmmap_fault_install");
                _watch = (delegate* unmanaged[Cdecl, SuppressGCTransition]<ulong, ulong, void>)NativeLibrary.GetExport(lib, "checkedmmap_fault_watch");
                _takeLast = (delegate* unmanaged[Cdecl, SuppressGCTransition]<ulong>)NativeLibrary.GetExport(lib, "checkedmmap_fault_take_last");
                _frames = (delegate* unmanaged[Cdecl]<ulong*, int, int>)NativeLibrary.GetExport(lib, "checkedmmap_fault_frames");
                _symbolize = (delegate* unmanaged[Cdecl]<ulong, byte*, int, int>)NativeLibrary.GetExport(lib, "checkedmmap_fault_symbolize");
                bool legacy = LegacyCorruptedStatePolicy;
                int requestFd;
                int replyFd;
                if (install(legacy ? 0 : 1, WaitMilliseconds, &requestFd, &replyFd) != 0)
                {
                    _unavailable = "the SIGSEGV pre-handler could not be installed";
                    return false;
                }

                int requests = requestFd;
                int replies = replyFd;
                var reporter = new Thread(() => ServeRequests(requests, replies))
                {
                    IsBackground = true,
                    Name = "CheckedMmap fault reporter",
                };
                reporter.Start();
                if (legacy)
                {
                    AppDomain.CurrentDomain.FirstChanceException += OnFirstChance;
                }

                _installed = true;
                foreach (MappingInfo m in Registry.MmapRuntime.Snapshot(liveOnly: false))
                {
                    m.Slot = m.Slot; // watches its reservation
                }

                return true;
            }
        }

        /// <summary>Loads the native library (runtimes/&lt;rid&gt;/native/ next to CheckedMmap.dll, or where the app's
        /// deps.json puts it); false where it is not found.</summary>
        internal static bool TryLoadLibrary(out nint handle)
        {
            string rid = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "linux-arm64" : "linux-x64";
            string? dir = null;
            try
            {
                string location = typeof(FaultReporter).Assembly.Location;
                dir = location.Length == 0 ? AppContext.BaseDirectory : Path.GetDirectoryName(location);
            }
            catch (NotSupportedException)
            {
                dir = AppContext.BaseDirectory;
            }

            if (dir != null)
            {
                foreach (string candidate in new[] { Path.Combine(dir, "runtimes", rid, "native", LibraryFile), Path.Combine(dir, LibraryFile) })
                {
                    if (File.Exists(candidate) && NativeLibrary.TryLoad(candidate, out handle))
                    {
                        return true;
                    }
                }
            }

            // A package reference lists the file in the app's deps.json: the runtime's own probing finds it.
            return NativeLibrary.TryLoad(LibraryFile, typeof(FaultReporter).Assembly, null, out handle);
        }

        // Managed faults under the legacy policy: the runtime raises AccessViolationException on the faulting thread.
        private static void OnFirstChance(object? sender, System.Runtime.ExceptionServices.FirstChanceExceptionEventArgs e)
        {
            if (e.Exception is not AccessViolationException ave)
            {
                return;
            }

            ulong address = _takeLast();
            if (address == 0)
            {
                return;
            }

            try
            {
                FinishedReport? report = FaultReports.Build(address, StackRendering.Render(new StackTrace(1, true)),
                    ReportBuilder.Thread(Environment.CurrentManagedThreadId, Thread.CurrentThread.Name), null, FaultEnd.Exception);
                if (report == null)
                {
                    return;
                }

                if (MessageField != null)
                {
                    MessageField.SetValue(ave, report.Text);
                    report.Mapping?.NoteCarriedBy(report, nameof(AccessViolationException));
                }

                ReportSink.Record(report);
            }
            catch (Exception)
            {
                // The exception goes on as the runtime raised it.
            }
        }

        private static readonly FieldInfo? MessageField = typeof(Exception).GetField("_message", BindingFlags.Instance | BindingFlags.NonPublic);

        // The reporter thread: blocked in read() (preemptive mode, so it never holds up a GC) until a fault that ends
        // the process arrives; prints the report, then answers so the faulting thread goes on to the runtime's handler.
        private static void ServeRequests(int requestFd, int replyFd)
        {
            byte* request = stackalloc byte[RequestBytes];
            while (true)
            {
                int got = 0;
                while (got < RequestBytes)
                {
                    nint n = read(requestFd, request + got, (nuint)(RequestBytes - got));
                    if (n <= 0)
                    {
                        if (n < 0 && Marshal.GetLastPInvokeError() == 4)
                        {
                            continue; // EINTR
                        }

                        return;
                    }

                    got += (int)n;
                }

                try
                {
                    ulong address = *(ulong*)request;
                    ulong pc = *(ulong*)(request + 8);
                    int tid = *(int*)(request + 16);
                    int reason = *(int*)(request + 28);
                    FinishedReport? report = FaultReports.Build(address, null, "OS thread " + tid.ToString(System.Globalization.CultureInfo.InvariantCulture),
                        NativeFrames(pc), reason == 2 ? FaultEnd.NativeCrash : FaultEnd.RuntimeFailFast);
                    if (report != null)
                    {
                        ReportSink.Print(report);
                    }
                }
                catch (Exception)
                {
                    // Whatever happens here, the faulting thread must get its answer.
                }

                byte ack = 1;
                _ = write(replyFd, &ack, 1);
            }
        }

        // "memset+0x1d (libc.so.6)" per native frame of the faulting thread, from the faulting instruction up to the
        // first frame no shared object holds (JIT-compiled code); the handler's own and the signal frames are left out.
        private static NativeAccess NativeFrames(ulong pc)
        {
            string? at = Symbolize(pc);
            var frames = new System.Collections.Generic.List<string>();
            ulong* raw = stackalloc ulong[32];
            int n = _frames(raw, 32);
            bool past = false;
            for (int i = 0; i < n; i++)
            {
                // The first frames are the handler's own and the kernel's signal trampoline; the walk restarts at the
                // faulting instruction (backtrace reports return addresses: pc itself, or the frame holding it).
                if (!past)
                {
                    past = raw[i] == pc || (raw[i] > pc && raw[i] - pc < 16);
                    if (!past)
                    {
                        continue;
                    }
                }

                string? s = Symbolize(raw[i]);
                if (s == null)
                {
                    break;
                }

                frames.Add(s);
            }

            return new NativeAccess(pc, at, frames);
        }

        private static string? Symbolize(ulong pc)
        {
            byte* buffer = stackalloc byte[512];
            int n = _symbolize(pc, buffer, 512);
            return n <= 0 ? null : System.Text.Encoding.UTF8.GetString(buffer, n);
        }

        [DllImport("libc", EntryPoint = "read", SetLastError = true)]
        private static extern nint read(int fd, byte* buffer, nuint count);

        [DllImport("libc", EntryPoint = "write", SetLastError = true)]
        private static extern nint write(int fd, byte* buffer, nuint count);
    }

    /// <summary>How the process goes on after a fault report.</summary>
    internal enum FaultEnd
    {
        /// <summary>The runtime raises AccessViolationException, whose message is the report.</summary>
        Exception,

        /// <summary>Managed code faulted and the runtime will fail fast (exit code 134) after printing the managed stack.</summary>
        RuntimeFailFast,

        /// <summary>Native code faulted: the process ends with SIGSEGV (exit code 139).</summary>
        NativeCrash,
    }

    /// <summary>The faulting instruction and the native frames above it.</summary>
    internal sealed class NativeAccess
    {
        public NativeAccess(ulong pc, string? symbol, System.Collections.Generic.IReadOnlyList<string> frames)
        {
            Pc = pc;
            Symbol = symbol;
            Frames = frames;
        }

        public ulong Pc { get; }

        /// <summary>"memset+0x1d (libc.so.6)", or null for JIT-compiled code.</summary>
        public string? Symbol { get; }

        public System.Collections.Generic.IReadOnlyList<string> Frames { get; }
    }
}
