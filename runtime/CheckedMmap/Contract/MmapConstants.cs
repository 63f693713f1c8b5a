// ONE definition of the numbers, shared by the runtime (compiled here) and the analyzer (linked as source).
// Values: rust-lang/libc 0.2.189 as Miri evaluates them (see docs/runtime.md, "Constants").
using System;
using System.Collections.Generic;
using System.Text;

namespace CheckedMmap.Contract
{
    /// <summary>The operating system whose libc numbers and page size are emulated.</summary>
    internal enum TargetOS
    {
        Linux = 0,
        MacOS = 1,
        FreeBSD = 2,
    }

    /// <summary>A named bit (or bit pattern) of the flags or prot argument, for symbolic messages.</summary>
    internal readonly struct NamedBits
    {
        public NamedBits(string name, int value)
        {
            Name = name;
            Value = value;
        }

        public string Name { get; }
        public int Value { get; }
    }

    /// <summary>
    /// The libc constants for one target. Everything the checks need, and every other flag name a message may print.
    /// </summary>
    internal sealed class MmapConstants
    {
        public const int PROT_NONE = 0;
        public const int PROT_READ = 1;
        public const int PROT_WRITE = 2;
        public const int PROT_EXEC = 4;
        public const int PROT_READ_WRITE = PROT_READ | PROT_WRITE;

        public const int MAP_SHARED = 0x01;
        public const int MAP_PRIVATE = 0x02;
        public const int MAP_FIXED = 0x10;

        /// <summary>Linux only (1 / 2 / 4); Miri has no mremap elsewhere.</summary>
        public const int MREMAP_MAYMOVE = 1;
        public const int MREMAP_FIXED = 2;
        public const int MREMAP_DONTUNMAP = 4;

        public const int MADV_NORMAL = 0;
        public const int MADV_RANDOM = 1;
        public const int MADV_SEQUENTIAL = 2;
        public const int MADV_WILLNEED = 3;

        public const int EINVAL = 22;
        public const int ENOMEM = 12;

        public static readonly MmapConstants Linux = new MmapConstants(
            TargetOS.Linux,
            mapAnonymous: 0x20,
            mapFixedNoReplace: 0x100000,
            otherFlags: new[]
            {
                new NamedBits("MAP_32BIT", 0x40),
                new NamedBits("MAP_GROWSDOWN", 0x100),
                new NamedBits("MAP_DENYWRITE", 0x800),
                new NamedBits("MAP_EXECUTABLE", 0x1000),
                new NamedBits("MAP_LOCKED", 0x2000),
                new NamedBits("MAP_NORESERVE", 0x4000),
                new NamedBits("MAP_POPULATE", 0x8000),
                new NamedBits("MAP_NONBLOCK", 0x10000),
                new NamedBits("MAP_STACK", 0x20000),
                new NamedBits("MAP_HUGETLB", 0x40000),
                new NamedBits("MAP_SYNC", 0x80000),
            },
            otherMadvise: new[]
            {
                new NamedBits("MADV_DONTNEED", 4),
                new NamedBits("MADV_FREE", 8),
                new NamedBits("MADV_REMOVE", 9),
                new NamedBits("MADV_DONTFORK", 10),
                new NamedBits("MADV_DOFORK", 11),
                new NamedBits("MADV_MERGEABLE", 12),
                new NamedBits("MADV_UNMERGEABLE", 13),
                new NamedBits("MADV_HUGEPAGE", 14),
                new NamedBits("MADV_NOHUGEPAGE", 15),
                new NamedBits("MADV_DONTDUMP", 16),
                new NamedBits("MADV_DODUMP", 17),
                new NamedBits("MADV_WIPEONFORK", 18),
                new NamedBits("MADV_KEEPONFORK", 19),
                new NamedBits("MADV_COLD", 20),
                new NamedBits("MADV_PAGEOUT", 21),
                new NamedBits("MADV_POPULATE_READ", 22),
                new NamedBits("MADV_POPULATE_WRITE", 23),
                new NamedBits("MADV_DONTNEED_LOCKED", 24),
                new NamedBits("MADV_COLLAPSE", 25),
                new NamedBits("MADV_GUARD_INSTALL", 102),
                new NamedBits("MADV_GUARD_REMOVE", 103),
            },
            hasMremap: true);

        public static readonly MmapConstants MacOS = new MmapConstants(
            TargetOS.MacOS,
            mapAnonymous: 0x1000,
            mapFixedNoReplace: 0,
            otherFlags: new[]
            {
                new NamedBits("MAP_RENAME", 0x20),
                new NamedBits("MAP_NORESERVE", 0x40),
                new NamedBits("MAP_NOEXTEND", 0x100),
                new NamedBits("MAP_HASSEMAPHORE", 0x200),
                new NamedBits("MAP_NOCACHE", 0x400),
                new NamedBits("MAP_JIT", 0x800),
                new NamedBits("MAP_RESILIENT_CODESIGN", 0x2000),
                new NamedBits("MAP_RESILIENT_MEDIA", 0x4000),
                new NamedBits("MAP_32BIT", 0x8000),
                new NamedBits("MAP_TRANSLATED_ALLOW_EXECUTE", 0x20000),
                new NamedBits("MAP_UNIX03", 0x40000),
                new NamedBits("MAP_TPRO", 0x80000),
            },
            otherMadvise: new[]
            {
                new NamedBits("MADV_DONTNEED", 4),
                new NamedBits("MADV_FREE", 5),
                new NamedBits("MADV_ZERO_WIRED_PAGES", 6),
                new NamedBits("MADV_FREE_REUSABLE", 7),
                new NamedBits("MADV_FREE_REUSE", 8),
            },
            hasMremap: false);

        public static readonly MmapConstants FreeBSD = new MmapConstants(
            TargetOS.FreeBSD,
            mapAnonymous: 0x1000,
            mapFixedNoReplace: 0,
            otherFlags: new[]
            {
                new NamedBits("MAP_RENAME", 0x20),
                new NamedBits("MAP_NORESERVE", 0x40),
                new NamedBits("MAP_STACK", 0x400),
                new NamedBits("MAP_NOSYNC", 0x800),
                new NamedBits("MAP_GUARD", 0x2000),
                new NamedBits("MAP_EXCL", 0x4000),
                new NamedBits("MAP_NOCORE", 0x20000),
                new NamedBits("MAP_PREFAULT_READ", 0x40000),
                new NamedBits("MAP_32BIT", 0x80000),
                new NamedBits("MAP_ALIGNED_SUPER", 1 << 24),
            },
            otherMadvise: new[]
            {
                new NamedBits("MADV_DONTNEED", 4),
                new NamedBits("MADV_FREE", 5),
                new NamedBits("MADV_NOSYNC", 6),
                new NamedBits("MADV_AUTOSYNC", 7),
                new NamedBits("MADV_NOCORE", 8),
                new NamedBits("MADV_CORE", 9),
                new NamedBits("MADV_PROTECT", 10),
            },
            hasMremap: false);

        private MmapConstants(TargetOS target, int mapAnonymous, int mapFixedNoReplace, NamedBits[] otherFlags, NamedBits[] otherMadvise, bool hasMremap)
        {
            Target = target;
            MapAnonymous = mapAnonymous;
            MapFixedNoReplace = mapFixedNoReplace;
            HasMremap = hasMremap;

            var flags = new List<NamedBits>
            {
                new NamedBits("MAP_SHARED", MAP_SHARED),
                new NamedBits("MAP_PRIVATE", MAP_PRIVATE),
                new NamedBits("MAP_FIXED", MAP_FIXED),
                new NamedBits("MAP_ANONYMOUS", mapAnonymous),
            };
            if (mapFixedNoReplace != 0)
            {
                flags.Add(new NamedBits("MAP_FIXED_NOREPLACE", mapFixedNoReplace));
            }

            flags.AddRange(otherFlags);
            flags.Sort((a, b) => a.Value.CompareTo(b.Value));
            FlagNames = flags.ToArray();

            var advice = new List<NamedBits>
            {
                new NamedBits("MADV_NORMAL", MADV_NORMAL),
                new NamedBits("MADV_RANDOM", MADV_RANDOM),
                new NamedBits("MADV_SEQUENTIAL", MADV_SEQUENTIAL),
                new NamedBits("MADV_WILLNEED", MADV_WILLNEED),
            };
            advice.AddRange(otherMadvise);
            AdviceNames = advice.ToArray();
        }

        public TargetOS Target { get; }

        /// <summary>MAP_ANONYMOUS (= MAP_ANON): 0x20 on Linux, 0x1000 on macOS and FreeBSD (where 0x20 is MAP_RENAME).</summary>
        public int MapAnonymous { get; }

        /// <summary>Linux's MAP_FIXED_NOREPLACE (0x100000); 0 where the target has none.</summary>
        public int MapFixedNoReplace { get; }

        /// <summary>Miri dispatches mremap (and mmap64) for Linux only.</summary>
        public bool HasMremap { get; }

        /// <summary>The one flags value Miri accepts: MAP_PRIVATE|MAP_ANONYMOUS.</summary>
        public int MapPrivateAnonymous => MAP_PRIVATE | MapAnonymous;

        /// <summary>Bits that map no file without MAP_ANONYMOUS: FreeBSD's MAP_STACK implies MAP_ANON, and its MAP_GUARD
        /// maps no memory at all. With one of them, an fd of -1 is not what makes the call fail.</summary>
        public int AnonymousWithoutAnonymousBit => Target == TargetOS.FreeBSD ? 0x400 | 0x2000 : 0;

        /// <summary>Every named flag bit of this target, by value.</summary>
        public NamedBits[] FlagNames { get; }

        /// <summary>Every named madvise advice of this target.</summary>
        public NamedBits[] AdviceNames { get; }

        public static MmapConstants For(TargetOS target) => target switch
        {
            TargetOS.Linux => Linux,
            TargetOS.MacOS => MacOS,
            TargetOS.FreeBSD => FreeBSD,
            _ => throw new ArgumentOutOfRangeException(nameof(target), target, "Unknown target OS."),
        };

        /// <summary>Parses "linux", "macos"/"osx"/"darwin", "freebsd" (any case). Used for .editorconfig, MSBuild and environment settings.</summary>
        public static bool TryParseTarget(string? text, out TargetOS target)
        {
            switch (text?.Trim().ToLowerInvariant())
            {
                case "linux":
                    target = TargetOS.Linux;
                    return true;
                case "macos":
                case "osx":
                case "darwin":
                    target = TargetOS.MacOS;
                    return true;
                case "freebsd":
                    target = TargetOS.FreeBSD;
                    return true;
                default:
                    target = TargetOS.Linux;
                    return false;
            }
        }

        /// <summary>The target a .NET runtime identifier builds for ("linux-x64", "osx-arm64", "freebsd-x64", "linux-musl-x64"); false for others (win-*, any).</summary>
        public static bool TryTargetFromRuntimeIdentifier(string? rid, out TargetOS target)
        {
            target = TargetOS.Linux;
            if (string.IsNullOrWhiteSpace(rid))
            {
                return false;
            }

            string r = rid!.Trim().ToLowerInvariant();
            if (r.StartsWith("linux", StringComparison.Ordinal) || r.StartsWith("android", StringComparison.Ordinal))
            {
                target = TargetOS.Linux;
                return true;
            }

            if (r.StartsWith("osx", StringComparison.Ordinal) || r.StartsWith("macos", StringComparison.Ordinal))
            {
                target = TargetOS.MacOS;
                return true;
            }

            if (r.StartsWith("freebsd", StringComparison.Ordinal))
            {
                target = TargetOS.FreeBSD;
                return true;
            }

            return false;
        }

        /// <summary>Miri's default page size: 16 KiB on Apple arm64, 4 KiB everywhere else it runs mmap.</summary>
        public static ulong DefaultPageSize(TargetOS target, bool arm64) => target == TargetOS.MacOS && arm64 ? 16384UL : 4096UL;

        /// <summary>
        /// "MAP_SHARED|MAP_POPULATE"; unnamed bits print as hex ("MAP_PRIVATE|0x80000000"); 0 prints as "0". On Linux both
        /// mapping-type bits print as MAP_SHARED_VALIDATE, the name they have there.
        /// </summary>
        public string FormatFlags(int flags)
        {
            if (MapSharedValidate != 0 && (flags & MapSharedValidate) == MapSharedValidate)
            {
                int rest = flags & ~MapSharedValidate;
                return rest == 0 ? "MAP_SHARED_VALIDATE" : "MAP_SHARED_VALIDATE|" + FormatBits(rest, FlagNames, zeroName: "0");
            }

            return FormatBits(flags, FlagNames, zeroName: "0");
        }

        /// <summary>
        /// Linux's MAP_SHARED_VALIDATE (MAP_SHARED|MAP_PRIVATE): a shared file mapping whose unknown flags fail the call.
        /// Miri and the checked runtime take it as both mapping types (EINVAL). 0 where the target has none.
        /// </summary>
        public int MapSharedValidate => Target == TargetOS.Linux ? MAP_SHARED | MAP_PRIVATE : 0;

        /// <summary>
        /// True for flags that fail only under Miri and the checked runtime: MAP_SHARED_VALIDATE without MAP_ANONYMOUS,
        /// a shared file mapping Linux makes.
        /// </summary>
        public bool IsSharedValidateFileMapping(int flags) =>
            MapSharedValidate != 0 && (flags & MapSharedValidate) == MapSharedValidate && (flags & MapAnonymous) == 0;

        /// <summary>"PROT_READ|PROT_EXEC"; 0 prints as "PROT_NONE".</summary>
        public static string FormatProt(int prot) => FormatBits(prot, ProtNames, zeroName: "PROT_NONE");

        /// <summary>"MADV_DONTNEED", or the number when the target has no name for it.</summary>
        public string FormatAdvice(int advice)
        {
            foreach (NamedBits a in AdviceNames)
            {
                if (a.Value == advice)
                {
                    return a.Name;
                }
            }

            return advice.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        /// <summary>The value of a named flag on this target ("MAP_NORESERVE"); false when the target has no such flag.</summary>
        public bool TryGetFlag(string name, out int value)
        {
            foreach (NamedBits f in FlagNames)
            {
                if (f.Name == name)
                {
                    value = f.Value;
                    return true;
                }
            }

            value = 0;
            return false;
        }

        /// <summary>The value of a named madvise advice on this target ("MADV_FREE"); false when the target has none.</summary>
        public bool TryGetAdvice(string name, out int value)
        {
            foreach (NamedBits a in AdviceNames)
            {
                if (a.Name == name)
                {
                    value = a.Value;
                    return true;
                }
            }

            value = 0;
            return false;
        }

        /// <summary>sysconf's _SC_PAGESIZE (= _SC_PAGE_SIZE) on this target: 30 on Linux, 29 on macOS, 47 on FreeBSD.</summary>
        public int ScPageSize => Target switch
        {
            TargetOS.MacOS => 29,
            TargetOS.FreeBSD => 47,
            _ => 30,
        };

        /// <summary>"MREMAP_MAYMOVE|MREMAP_FIXED".</summary>
        public static string FormatMremapFlags(int flags) => FormatBits(flags, MremapNames, zeroName: "0");

        private static readonly NamedBits[] ProtNames =
        {
            new NamedBits("PROT_READ", PROT_READ),
            new NamedBits("PROT_WRITE", PROT_WRITE),
            new NamedBits("PROT_EXEC", PROT_EXEC),
            new NamedBits("PROT_GROWSDOWN", 0x01000000),
            new NamedBits("PROT_GROWSUP", 0x02000000),
        };

        private static readonly NamedBits[] MremapNames =
        {
            new NamedBits("MREMAP_MAYMOVE", MREMAP_MAYMOVE),
            new NamedBits("MREMAP_FIXED", MREMAP_FIXED),
            new NamedBits("MREMAP_DONTUNMAP", MREMAP_DONTUNMAP),
        };

        private static string FormatBits(int value, NamedBits[] names, string zeroName)
        {
            if (value == 0)
            {
                return zeroName;
            }

            var sb = new StringBuilder();
            uint rest = unchecked((uint)value);
            foreach (NamedBits n in names)
            {
                uint bits = unchecked((uint)n.Value);
                if (bits != 0 && (rest & bits) == bits)
                {
                    if (sb.Length > 0)
                    {
                        sb.Append('|');
                    }

                    sb.Append(n.Name);
                    rest &= ~bits;
                }
            }

            if (rest != 0)
            {
                if (sb.Length > 0)
                {
                    sb.Append('|');
                }

                sb.Append("0x").Append(rest.ToString("x", System.Globalization.CultureInfo.InvariantCulture));
            }

            return sb.ToString();
        }
    }
}
