// Optional: name the mapping when a guard page or the quarantine is hit. Linux x64 only, and only when the
// (unsupported) DOTNET_legacyCorruptedStateExceptionsPolicy=1 makes managed access violations reach managed code.
// A 29-byte trampoline in front of CoreCLR's SIGSEGV handler records the fault address (si_addr) and jumps on to
// the runtime's handler; a FirstChanceException handler then looks the address up, prints a ==CheckedMmap== report
// with the mapping's creation and destruction stacks, and fails fast (exit code 134).
using System;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using CheckedMmap.Contract;
using CheckedMmap.Registry;

namespace CheckedMmap.Host
{
    internal static unsafe class FaultReporter
    {
        private const int SIGSEGV = 11;
        private const int SigactionSize = 152; // x86-64 glibc: handler 8, sa_mask 128, sa_flags 4 (+4), sa_restorer 8

        private static readonly object Sync = new object();
        private static ulong* _slot;
        private static bool _installed;
        private static int _reporting;

        public static bool IsInstalled => _installed;

        /// <summary>True when the runtime will hand managed access violations to managed code.</summary>
        public static bool LegacyCorruptedStatePolicy =>
            Environment.GetEnvironmentVariable("DOTNET_legacyCorruptedStateExceptionsPolicy") == "1" ||
            Environment.GetEnvironmentVariable("COMPlus_legacyCorruptedStateExceptionsPolicy") == "1";

        public static bool IsSupportedHere =>
            RuntimeInformation.IsOSPlatform(OSPlatform.Linux) && RuntimeInformation.ProcessArchitecture == Architecture.X64;

        /// <summary>Installs once; returns false (and changes nothing) where unsupported or when the runtime's handler is not a SA_SIGINFO handler.</summary>
        public static bool TryInstall()
        {
            lock (Sync)
            {
                if (_installed)
                {
                    return true;
                }

                if (!IsSupportedHere || !LegacyCorruptedStatePolicy)
                {
                    return false;
                }

                byte* old = stackalloc byte[SigactionSize];
                new Span<byte>(old, SigactionSize).Clear();
                if (sigaction(SIGSEGV, null, old) != 0)
                {
                    return false;
                }

                ulong oldHandler = *(ulong*)old;
                const int SA_SIGINFO = 4;
                int flags = *(int*)(old + 136);
                if (oldHandler <= 1 || (flags & SA_SIGINFO) == 0)
                {
                    return false;
                }

                // The slot the handler writes stays read/write; the code page becomes read/execute.
                int anon = MmapConstants.MAP_PRIVATE | MmapConstants.Linux.MapAnonymous;
                nint slotPage = mmap(0, 4096, MmapConstants.PROT_READ_WRITE, anon, -1, 0);
                if (slotPage == -1)
                {
                    return false;
                }

                nint codePage = mmap(0, 4096, MmapConstants.PROT_READ_WRITE, anon, -1, 0);
                if (codePage == -1)
                {
                    munmap(slotPage, 4096);
                    return false;
                }

                ulong* slot = (ulong*)slotPage;
                byte* code = (byte*)codePage;
                int i = 0;
                void Emit(params byte[] bytes)
                {
                    foreach (byte b in bytes)
                    {
                        code[i++] = b;
                    }
                }

                void Emit64(ulong v)
                {
                    *(ulong*)(code + i) = v;
                    i += 8;
                }

                Emit(0x48, 0x8B, 0x46, 0x10);   // mov rax, [rsi+16]   ; siginfo->si_addr
                Emit(0x49, 0xB8);               // mov r8, imm64      ; the slot
                Emit64((ulong)slot);
                Emit(0x49, 0x89, 0x00);         // mov [r8], rax
                Emit(0x48, 0xB8);               // mov rax, imm64     ; CoreCLR's handler
                Emit64(oldHandler);
                Emit(0xFF, 0xE0);               // jmp rax
                if (mprotect(codePage, 4096, MmapConstants.PROT_READ | MmapConstants.PROT_EXEC) != 0)
                {
                    munmap(codePage, 4096);
                    munmap(slotPage, 4096);
                    return false;
                }

                byte* act = stackalloc byte[SigactionSize];
                new Span<byte>(old, SigactionSize).CopyTo(new Span<byte>(act, SigactionSize));
                *(ulong*)act = (ulong)codePage;
                _slot = slot;
                if (sigaction(SIGSEGV, act, null) != 0)
                {
                    _slot = null;
                    return false;
                }

                AppDomain.CurrentDomain.FirstChanceException += OnFirstChance;
                _installed = true;
                return true;
            }
        }

        private static void OnFirstChance(object? sender, System.Runtime.ExceptionServices.FirstChanceExceptionEventArgs e)
        {
            if (e.Exception is not AccessViolationException || _slot == null)
            {
                return;
            }

            ulong address = *_slot;
            if (address == 0 || System.Threading.Interlocked.Exchange(ref _reporting, 1) != 0)
            {
                return;
            }

            string? report = Describe(address, new StackTrace(1, true));
            if (report == null)
            {
                System.Threading.Volatile.Write(ref _reporting, 0);
                return; // not ours: let the runtime handle it as usual
            }

            try
            {
                System.IO.TextWriter w = CheckedMmapOptions.ReportWriter;
                w.Write(report);
                w.Flush();
            }
            catch (Exception)
            {
                // The fail-fast below still ends the process.
            }

            Environment.FailFast("CheckedMmap: invalid access at " + MmapMessages.Hex(address) + " (see the ==CheckedMmap== report above)");
        }

        /// <summary>The report for a fault at <paramref name="address"/>, or null when it is not near a CheckedMmap mapping.</summary>
        internal static string? Describe(ulong address, StackTrace access)
        {
            MappingInfo? inside = MmapRuntime.Find(address);
            string what;
            MappingInfo? m = inside;
            ulong hostPage = HostMemory.Instance.PageSize;
            if (inside != null && inside.State != MappingState.Live)
            {
                what = string.Format(CultureInfo.InvariantCulture, "use after {0}: access at {1}, {2} bytes into {3}",
                    inside.DestroyedBy, MmapMessages.Hex(address), address - inside.Start, inside.Name);
            }
            else if (inside != null)
            {
                return null; // a live mapping does not fault
            }
            else
            {
                MappingInfo? before = MmapRuntime.Find(address - hostPage);
                MappingInfo? after = MmapRuntime.Find(address + hostPage);
                ulong roundedEnd = before == null ? 0 : (before.Start + before.SizeBytes + hostPage - 1) / hostPage * hostPage;
                if (before != null && address >= roundedEnd && address < roundedEnd + hostPage)
                {
                    m = before;
                    what = string.Format(CultureInfo.InvariantCulture, "{0}access past the end: access at {1}, {2} bytes after the page-rounded end of {3}",
                        before.IsLive ? string.Empty : "use after " + before.DestroyedBy + " and ", MmapMessages.Hex(address), address - roundedEnd, before.Name);
                }
                else if (after != null && address < after.Start)
                {
                    m = after;
                    what = string.Format(CultureInfo.InvariantCulture, "{0}access before the start: access at {1}, {2} bytes before {3}",
                        after.IsLive ? string.Empty : "use after " + after.DestroyedBy + " and ", MmapMessages.Hex(address), after.Start - address, after.Name);
                }
                else
                {
                    return null;
                }
            }

            var sb = new StringBuilder();
            sb.Append("==CheckedMmap== ERROR: ").Append(what).Append(" on ")
              .AppendLine(MappingInfo.ThreadText(Environment.CurrentManagedThreadId, System.Threading.Thread.CurrentThread.Name));
            sb.AppendLine("access stack:");
            sb.Append(StackRendering.Render(access));
            m!.AppendHistory(sb);
            sb.AppendLine("SUMMARY: CheckedMmap: " + what);
            return sb.ToString();
        }

        [DllImport("libc", EntryPoint = "sigaction")]
        private static extern int sigaction(int signum, byte* act, byte* oldact);

        [DllImport("libc", EntryPoint = "mmap")]
        private static extern nint mmap(nint addr, nuint length, int prot, int flags, int fd, long offset);

        [DllImport("libc", EntryPoint = "mprotect")]
        private static extern int mprotect(nint addr, nuint length, int prot);

        [DllImport("libc", EntryPoint = "munmap")]
        private static extern int munmap(nint addr, nuint length);
    }
}
