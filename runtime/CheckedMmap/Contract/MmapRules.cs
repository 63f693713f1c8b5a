// ONE definition of the checks, shared by the runtime and the analyzer (linked as source).
// Each check is a pure function of argument values; MmapChecks lists them in Miri's order with their
// outcome, text and the analyzer rule that reports the same problem at compile time.
namespace CheckedMmap.Contract
{
    /// <summary>The mmap checks, numbered in the order Miri runs them (first failure wins).</summary>
    internal enum MmapCheck
    {
        /// <summary>Exactly one of MAP_PRIVATE and MAP_SHARED (EINVAL).</summary>
        PrivateXorShared = 1,

        /// <summary>length != 0 (EINVAL).</summary>
        NonZeroLength = 2,

        /// <summary>fd == -1 (unsupported: file-backed).</summary>
        AnonymousFd = 3,

        /// <summary>No MAP_FIXED bit (unsupported).</summary>
        NoMapFixed = 4,

        /// <summary>prot == PROT_READ|PROT_WRITE exactly (unsupported).</summary>
        ReadWriteProtection = 5,

        /// <summary>flags == MAP_PRIVATE|MAP_ANONYMOUS exactly (unsupported).</summary>
        PrivateAnonymousFlags = 6,

        /// <summary>offset == 0 (unsupported).</summary>
        ZeroOffset = 7,

        /// <summary>The length rounds up to a page multiple within isize::MAX (EINVAL).</summary>
        RoundableLength = 8,
    }

    internal enum CheckOutcome
    {
        /// <summary>The call returns MAP_FAILED / -1 and sets errno.</summary>
        Errno,

        /// <summary>Miri halts with "unsupported operation"; CheckedMmap throws UnsupportedMmapException.</summary>
        Unsupported,

        /// <summary>Miri halts with "Undefined Behavior"; CheckedMmap throws UndefinedBehaviorException.</summary>
        UndefinedBehavior,
    }

    /// <summary>The analyzer rule IDs (a public contract: users suppress and configure them by ID).</summary>
    internal static class RuleIds
    {
        public const string MapFixed = "MMAP001";
        public const string MapShared = "MMAP002";
        public const string FileBacked = "MMAP003";
        public const string Protection = "MMAP004";
        public const string Flags = "MMAP005";
        public const string Offset = "MMAP006";
        public const string AlwaysEinval = "MMAP007";
        public const string WholeMappingMunmap = "MMAP008";
        public const string FailureCheck = "MMAP009";
        public const string Declaration = "MMAP010";
        public const string Mprotect = "MMAP011";
        public const string Madvise = "MMAP012";
        public const string Mremap = "MMAP013";
        public const string EscapesCheckedRuntime = "MMAP014";
        public const string UnknownSetting = "MMAP015";
    }

    /// <summary>One row of the table: a check, what failing it does, its text and its compile-time rule.</summary>
    internal sealed class MmapCheckInfo
    {
        public MmapCheckInfo(MmapCheck check, CheckOutcome outcome, int errno, string message, string ruleId)
        {
            Check = check;
            Outcome = outcome;
            Errno = errno;
            Message = message;
            RuleId = ruleId;
        }

        public MmapCheck Check { get; }
        public CheckOutcome Outcome { get; }

        /// <summary>The errno set when <see cref="Outcome"/> is <see cref="CheckOutcome.Errno"/>; 0 otherwise.</summary>
        public int Errno { get; }

        /// <summary>The unsupported text, or why the call fails with errno.</summary>
        public string Message { get; }

        /// <summary>The analyzer rule that reports this problem. MMAP002 (MAP_SHARED) splits out of PrivateAnonymousFlags.</summary>
        public string RuleId { get; }
    }

    internal static class MmapChecks
    {
        /// <summary>mmap's checks in the order Miri's shim makes them.</summary>
        public static readonly MmapCheckInfo[] MmapOrder =
        {
            new MmapCheckInfo(MmapCheck.PrivateXorShared, CheckOutcome.Errno, MmapConstants.EINVAL, MmapMessages.EinvalPrivateShared, RuleIds.AlwaysEinval),
            new MmapCheckInfo(MmapCheck.NonZeroLength, CheckOutcome.Errno, MmapConstants.EINVAL, MmapMessages.EinvalZeroLength, RuleIds.AlwaysEinval),
            new MmapCheckInfo(MmapCheck.AnonymousFd, CheckOutcome.Unsupported, 0, MmapMessages.FileBacked, RuleIds.FileBacked),
            new MmapCheckInfo(MmapCheck.NoMapFixed, CheckOutcome.Unsupported, 0, MmapMessages.MapFixed, RuleIds.MapFixed),
            new MmapCheckInfo(MmapCheck.ReadWriteProtection, CheckOutcome.Unsupported, 0, MmapMessages.Protections, RuleIds.Protection),
            new MmapCheckInfo(MmapCheck.PrivateAnonymousFlags, CheckOutcome.Unsupported, 0, MmapMessages.Flags, RuleIds.Flags),
            new MmapCheckInfo(MmapCheck.ZeroOffset, CheckOutcome.Unsupported, 0, MmapMessages.Offset, RuleIds.Offset),
            new MmapCheckInfo(MmapCheck.RoundableLength, CheckOutcome.Errno, MmapConstants.EINVAL, MmapMessages.EinvalLengthOverflow, RuleIds.AlwaysEinval),
        };

        public static MmapCheckInfo Info(MmapCheck check) => MmapOrder[(int)check - 1];

        // ---- the predicates (true = passes) ----

        public static bool PrivateXorShared(int flags)
        {
            int kind = flags & (MmapConstants.MAP_PRIVATE | MmapConstants.MAP_SHARED);
            return kind == MmapConstants.MAP_PRIVATE || kind == MmapConstants.MAP_SHARED;
        }

        public static bool NonZeroLength(ulong length) => length != 0;

        public static bool AnonymousFd(long fd) => fd == -1;

        public static bool NoMapFixed(int flags) => (flags & MmapConstants.MAP_FIXED) == 0;

        public static bool ReadWriteProtection(int prot) => prot == MmapConstants.PROT_READ_WRITE;

        public static bool PrivateAnonymousFlags(int flags, MmapConstants target) => flags == target.MapPrivateAnonymous;

        public static bool ZeroOffset(long offset) => offset == 0;

        /// <summary>
        /// Miri's round_up_to_page_size: the smallest multiple of <paramref name="pageSize"/> >= length, failing on
        /// u64 overflow or when the result exceeds isize::MAX of the target (<paramref name="isizeMax"/>). 0 rounds to 0.
        /// </summary>
        public static bool TryRoundUpToPageSize(ulong length, ulong pageSize, ulong isizeMax, out ulong rounded)
        {
            rounded = 0;
            ulong rem = length % pageSize;
            if (rem == 0)
            {
                rounded = length;
            }
            else
            {
                ulong add = pageSize - rem;
                if (length > ulong.MaxValue - add)
                {
                    return false;
                }

                rounded = length + add;
            }

            return rounded <= isizeMax;
        }

        public static bool IsPageAligned(ulong address, ulong pageSize) => address % pageSize == 0;

        /// <summary>isize::MAX of a 64-bit target.</summary>
        public const ulong IsizeMax64 = long.MaxValue;

        /// <summary>
        /// Runs mmap's checks in Miri's order. Returns null when the call is accepted (then <paramref name="mapLength"/>
        /// is the rounded length), else the first failing check.
        /// </summary>
        public static MmapCheckInfo? FirstMmapFailure(ulong length, int prot, int flags, long fd, long offset,
            MmapConstants target, ulong pageSize, ulong isizeMax, out ulong mapLength)
        {
            mapLength = 0;
            if (!PrivateXorShared(flags))
            {
                return Info(MmapCheck.PrivateXorShared);
            }

            if (!NonZeroLength(length))
            {
                return Info(MmapCheck.NonZeroLength);
            }

            if (!AnonymousFd(fd))
            {
                return Info(MmapCheck.AnonymousFd);
            }

            if (!NoMapFixed(flags))
            {
                return Info(MmapCheck.NoMapFixed);
            }

            if (!ReadWriteProtection(prot))
            {
                return Info(MmapCheck.ReadWriteProtection);
            }

            if (!PrivateAnonymousFlags(flags, target))
            {
                return Info(MmapCheck.PrivateAnonymousFlags);
            }

            if (!ZeroOffset(offset))
            {
                return Info(MmapCheck.ZeroOffset);
            }

            if (!TryRoundUpToPageSize(length, pageSize, isizeMax, out mapLength))
            {
                return Info(MmapCheck.RoundableLength);
            }

            return null;
        }

        // ---- pieces the analyzer reports separately (one diagnostic per distinct problem) ----

        /// <summary>MAP_SHARED selected (MMAP002). Miri rejects it through the flags check (or EINVAL with MAP_PRIVATE too).</summary>
        public static bool IsShared(int flags) => (flags & MmapConstants.MAP_SHARED) != 0;

        /// <summary>MAP_FIXED or MAP_FIXED_NOREPLACE (MMAP001). Miri's MAP_FIXED check sees only the MAP_FIXED bit; NOREPLACE fails its flags check.</summary>
        public static bool IsFixedFamily(int flags, MmapConstants target) =>
            !NoMapFixed(flags) || (target.MapFixedNoReplace != 0 && (flags & target.MapFixedNoReplace) != 0);

        /// <summary>Bits other than PRIVATE, SHARED, ANONYMOUS and the MAP_FIXED family (MMAP005).</summary>
        public static int ExtraFlagBits(int flags, MmapConstants target) =>
            flags & ~(MmapConstants.MAP_PRIVATE | MmapConstants.MAP_SHARED | MmapConstants.MAP_FIXED | target.MapAnonymous | target.MapFixedNoReplace);

        public static bool HasAnonymous(int flags, MmapConstants target) => (flags & target.MapAnonymous) != 0;

        // ---- mremap / mprotect / madvise ----

        /// <summary>mremap's flags as Miri accepts them: MREMAP_MAYMOVE, without MREMAP_FIXED or MREMAP_DONTUNMAP.</summary>
        public static bool HasMayMove(int flags) => (flags & MmapConstants.MREMAP_MAYMOVE) != 0;

        public static bool HasMremapFixed(int flags) => (flags & MmapConstants.MREMAP_FIXED) != 0;

        public static bool HasMremapDontUnmap(int flags) => (flags & MmapConstants.MREMAP_DONTUNMAP) != 0;

        public static bool IsSupportedAdvice(int advice) =>
            advice == MmapConstants.MADV_NORMAL || advice == MmapConstants.MADV_RANDOM ||
            advice == MmapConstants.MADV_SEQUENTIAL || advice == MmapConstants.MADV_WILLNEED;
    }
}
