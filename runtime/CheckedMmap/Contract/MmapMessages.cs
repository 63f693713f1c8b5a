// ONE definition of the texts, shared by the runtime and the analyzer (linked as source).
// The "unsupported" and "Undefined Behavior" texts are Miri's (rust-lang/miri src/shims/unix/mem.rs and
// rustc's interpreter messages), with "CheckedMmap" in place of "Miri", so a report reads like Miri's.
using System.Globalization;

namespace CheckedMmap.Contract
{
    internal static class MmapMessages
    {
        public const string Tool = "CheckedMmap";

        // ---- unsupported (Miri halts; CheckedMmap throws UnsupportedMmapException) ----
        public const string FileBacked = Tool + " does not support file-backed memory mappings";
        public const string MapFixed = Tool + " does not support calls to mmap with MAP_FIXED as part of the flags argument";
        public const string Protections = Tool + " does not support calls to mmap/mprotect with protections other than PROT_READ|PROT_WRITE";
        public const string Flags = Tool + " only supports calls to mmap which set the flags argument to MAP_PRIVATE|MAP_ANONYMOUS";
        public const string Offset = Tool + " does not support non-zero offsets to mmap";
        // "wth" is Miri's own spelling; kept so reports match Miri's word for word.
        public const string MremapFixed = Tool + " does not support mremap wth MREMAP_FIXED";
        public const string MremapDontUnmap = Tool + " does not support mremap wth MREMAP_DONTUNMAP";
        public const string MadviseAdvice = Tool + " does not support calls to madvise with advice other than MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, or MADV_WILLNEED";
        public const string MremapNotOnTarget = Tool + " does not support mremap on this target: Miri provides mremap for Linux targets only";

        // ---- errno paths: why the call fails (used in analyzer messages and runtime docs) ----
        public const string EinvalPrivateShared = "exactly one of MAP_PRIVATE and MAP_SHARED must be set";
        public const string EinvalZeroLength = "the length is 0";
        public const string EinvalLengthOverflow = "the length cannot be rounded up to a multiple of the page size without exceeding isize::MAX";
        public const string EinvalMremapWithoutMayMove = "mremap without MREMAP_MAYMOVE fails with EINVAL under Miri and CheckedMmap, even when shrinking (a mapping is never resized in place)";

        // ---- Undefined Behavior (Miri stops; CheckedMmap throws UndefinedBehaviorException) ----
        public const string NullPointer = "pointer not dereferenceable: pointer must point to some allocation, but got null pointer";
        public const string MprotectOutOfBounds = "`mprotect` called on out-of-bounds memory";
        public const string MadviseOutOfBounds = "`madvise` called on out-of-bounds memory";

        /// <summary>Miri's name for an allocation, "alloc42".</summary>
        public static string AllocName(long id) => "alloc" + id.ToString(CultureInfo.InvariantCulture);

        /// <summary>Miri's pointer rendering with provenance, "0x7f12a000[alloc42]".</summary>
        public static string Pointer(ulong address, long allocId) => Hex(address) + "[" + AllocName(allocId) + "]";

        public static string Hex(ulong value) => "0x" + value.ToString("x", CultureInfo.InvariantCulture);

        public static string DanglingNoProvenance(ulong address) =>
            "pointer not dereferenceable: pointer must point to some allocation, but got " + Hex(address) + "[noalloc] which is a dangling pointer (it has no provenance)";

        public static string DeallocNotAtBeginning(string pointer) => "deallocating " + pointer + " which does not point to the beginning of an object";

        public static string ReallocNotAtBeginning(string pointer) => "reallocating " + pointer + " which does not point to the beginning of an object";

        public static string Freed(string allocName) => "memory access failed: " + allocName + " has been freed, so this pointer is dangling";

        public static string IncorrectLayout(string allocName, ulong size, ulong align, ulong givenSize, ulong givenAlign) =>
            string.Format(CultureInfo.InvariantCulture,
                "incorrect layout on deallocation: {0} has size {1} and alignment {2}, but gave size {3} and alignment {4}",
                allocName, size, align, givenSize, givenAlign);

        public static string OutOfBoundsAccess(ulong accessSize, string pointer, ulong bytesToEnd) =>
            string.Format(CultureInfo.InvariantCulture,
                "memory access failed: attempting to access {0} bytes, but got {1} which is only {2} bytes from the end of the allocation",
                accessSize, pointer, bytesToEnd);

        /// <summary>Miri's text for a sysconf name it does not implement (only _SC_PAGESIZE is emulated here).</summary>
        public static string UnimplementedSysconf(int name) => "unimplemented sysconf name: " + name.ToString(CultureInfo.InvariantCulture);

        /// <summary>A flag or advice name the emulated target's libc does not define ("MAP_POPULATE" on macOS).</summary>
        public static string NameNotOnTarget(string name, string target) => name + " is not defined on the emulated target (" + target + ")";

        /// <summary>Miri's -Zmiri-force-page-size errors, then the accepted range; <paramref name="setting"/> names where the
        /// value came from.</summary>
        public static string ForcePageSizeNotNumber(string setting, string value) =>
            setting + " requires a `u64` (a page size in KiB): '" + value + "'; " + ForcePageSizeRange;

        public static string ForcePageSizeNotPowerOfTwo(string setting, ulong kib) =>
            setting + " requires a power of 2: " + kib.ToString(CultureInfo.InvariantCulture) + "; " + ForcePageSizeRange;

        /// <summary>The page sizes the emulation accepts, as its errors say it.</summary>
        public const string ForcePageSizeRange = "expected a power of two from 1 to 1048576 KiB (1 GiB)";

        /// <summary>Text of the Miri outcome class, used as the first line of runtime reports.</summary>
        public const string UnsupportedHeader = "unsupported operation: ";
        public const string UndefinedBehaviorHeader = "Undefined Behavior: ";
        public const string UnsupportedHelp = "this is likely not a bug in the program; it indicates that the program performed an operation that " + Tool + " does not support";
        public const string UndefinedBehaviorHelp = "this indicates a bug in the program: it performed an invalid operation, and caused Undefined Behavior";
    }
}
