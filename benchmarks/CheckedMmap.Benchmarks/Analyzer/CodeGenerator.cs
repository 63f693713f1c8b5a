using System;
using System.Collections.Generic;
using System.Text;

namespace CheckedMmap.Benchmarks.Analyzer
{
    /// <summary>
    /// Generates the benchmark compilation: <see cref="FileCount"/> files of ordinary application code (a class with
    /// fields, properties and ten methods of varied shapes: loops, LINQ, string building, dictionaries, switch
    /// expressions, async, exceptions, spans, generics, lambdas). In the mmap variant one method in every tenth file
    /// (1% of all methods) maps and unmaps memory through the bindings real code uses:
    /// DllImport and LibraryImport declarations, EntryPoint renames, const library names, const flags, enums, casts,
    /// const locals, locals built with |= on a branch, ternaries, named arguments, using static; half of them clean
    /// and half with a misuse, so the analyzer both passes and reports. Deterministic: same text every run.
    /// </summary>
    internal static class CodeGenerator
    {
        public const int FileCount = 1000;
        public const int MethodsPerFile = 10;
        public const int MmapMethodEvery = 10; // one mmap method per tenth file = 1% of the methods

        public static int MmapMethodCount(int fileCount) => fileCount / MmapMethodEvery;

        public static IReadOnlyList<(string Path, string Text)> Generate(bool withMmap, int fileCount = FileCount)
        {
            var files = new List<(string, string)>(fileCount);
            for (int i = 0; i < fileCount; i++)
            {
                files.Add(($"src/Module{i / 50}/Component{i}.cs", GenerateFile(i, withMmap)));
            }

            return files;
        }

        private static string GenerateFile(int index, bool withMmap)
        {
            var s = new StringBuilder(8 * 1024);
            s.Append(@"using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
");
            if (withMmap && index % MmapMethodEvery == 0)
            {
                s.Append("using static Contoso.Interop.Syscalls;\n");
            }

            s.Append($@"
namespace Contoso.Module{index / 50}
{{
    public enum Stage{index} {{ Idle, Loading, Ready, Failed }}

    public readonly record struct Entry{index}(int Id, string Label, double Weight);

    public sealed class Component{index} : IDisposable
    {{
        private readonly List<int> _items = new();
        private readonly Dictionary<string, double> _weights = new(StringComparer.Ordinal);
        private readonly object _gate = new();
        private int _counter;
        private Stage{index} _stage;

        public Component{index}(string name)
        {{
            Name = name ?? throw new ArgumentNullException(nameof(name));
            for (int i = 0; i < {8 + (index % 5)}; i++)
            {{
                _items.Add((i * {index % 13 + 3}) ^ {index});
            }}
        }}

        public string Name {{ get; }}

        public int Count => _items.Count;

        public Stage{index} Stage => _stage;
");
            for (int m = 0; m < MethodsPerFile; m++)
            {
                if (withMmap && index % MmapMethodEvery == 0 && m == 4)
                {
                    s.Append(MmapMethod(index, ShapeOf(index)));
                }
                else
                {
                    s.Append(OrdinaryMethod(index, m));
                }
            }

            s.Append(@"
        public void Dispose()
        {
            lock (_gate)
            {
                _items.Clear();
                _weights.Clear();
            }
        }
    }
}
");
            if (withMmap && index < 3)
            {
                s.Append(InteropDeclarations(index));
            }

            return s.ToString();
        }

        private static string OrdinaryMethod(int file, int method)
        {
            int k = (file * 31 + method * 7) % 97 + 2;
            string name = $"Op{method}_{file}";
            return (method % MethodsPerFile) switch
            {
                0 => $@"
        public long {name}(int limit)
        {{
            long total = 0;
            for (int i = 0; i < limit && i < _items.Count; i++)
            {{
                int value = _items[i];
                if (value % {k} == 0)
                {{
                    total += value * 2L;
                }}
                else if (value > {k * 3})
                {{
                    total -= value / 3;
                }}
                else
                {{
                    total ^= value;
                }}
            }}

            _counter++;
            return total;
        }}
",
                1 => $@"
        public IReadOnlyList<int> {name}(int take)
        {{
            return _items
                .Where(x => x % {k % 5 + 2} != 0)
                .Select(x => x * {k})
                .OrderByDescending(x => x)
                .Take(take)
                .ToList();
        }}
",
                2 => $@"
        public string {name}(IEnumerable<Entry{file}> entries)
        {{
            var builder = new StringBuilder();
            builder.Append(Name).Append(':');
            foreach (Entry{file} entry in entries)
            {{
                builder.Append($""{{entry.Id}}={{entry.Label}}({{entry.Weight:F2}});"");
            }}

            return builder.ToString();
        }}
",
                3 => $@"
        public double {name}(string key, double delta)
        {{
            lock (_gate)
            {{
                if (_weights.TryGetValue(key, out double current))
                {{
                    current += delta * {k}.5;
                }}
                else
                {{
                    current = delta;
                }}

                _weights[key] = current;
                return current;
            }}
        }}
",
                4 => $@"
        public string {name}(int code) => (code % {k}, _stage) switch
        {{
            (0, Stage{file}.Idle) => ""idle"",
            (1, _) => ""one"",
            (_, Stage{file}.Failed) => ""failed"",
            ( > {k / 2}, Stage{file}.Ready) => ""large"",
            _ => code.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }};
",
                5 => $@"
        public async Task<int> {name}Async(CancellationToken cancellationToken)
        {{
            _stage = Stage{file}.Loading;
            int sum = 0;
            foreach (int item in _items)
            {{
                cancellationToken.ThrowIfCancellationRequested();
                sum += await Task.FromResult(item % {k}).ConfigureAwait(false);
            }}

            _stage = Stage{file}.Ready;
            return sum;
        }}
",
                6 => $@"
        public bool {name}(string text, out int value)
        {{
            try
            {{
                value = int.Parse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture) + {k};
                return true;
            }}
            catch (FormatException)
            {{
                value = 0;
                _stage = Stage{file}.Failed;
                return false;
            }}
            finally
            {{
                Interlocked.Increment(ref _counter);
            }}
        }}
",
                7 => $@"
        public int {name}(ReadOnlySpan<byte> data)
        {{
            Span<int> histogram = stackalloc int[16];
            foreach (byte b in data)
            {{
                histogram[b & 0xF]++;
            }}

            int best = 0;
            for (int i = 1; i < histogram.Length; i++)
            {{
                if (histogram[i] > histogram[best])
                {{
                    best = i;
                }}
            }}

            return best * {k};
        }}
",
                8 => $@"
        public static T {name}<T>(IReadOnlyList<T> values, Func<T, int> score)
            where T : notnull
        {{
            if (values.Count == 0)
            {{
                throw new ArgumentException(""empty"", nameof(values));
            }}

            T best = values[0];
            int bestScore = score(best);
            for (int i = 1; i < values.Count; i++)
            {{
                int s = score(values[i]) + {k % 3};
                if (s > bestScore)
                {{
                    (best, bestScore) = (values[i], s);
                }}
            }}

            return best;
        }}
",
                _ => $@"
        public int {name}(int seed)
        {{
            int Step(int x) => (x * {k} + 7) % 1009;
            Func<int, bool> keep = x => x % 3 != {k % 3};
            int acc = seed;
            for (int i = 0; i < 8; i++)
            {{
                acc = Step(acc);
                if (keep(acc))
                {{
                    acc += _items.Count;
                }}
            }}

            return acc;
        }}
",
            };
        }

        public static int ShapeOf(int file) => (file / MmapMethodEvery) % 10;

        /// <summary>What the mmap method of a file does, for the per-shape profile.</summary>
        public static string ShapeDescription(int file) => ShapeOf(file) switch
        {
            0 => "shape 0: DllImport, const flags (clean)",
            1 => "shape 1: local flags |= on a branch",
            2 => "shape 2: LibraryImport, enums, void* (clean)",
            3 => "shape 3: const enum local PROT_NONE, MAP_NORESERVE",
            4 => "shape 4: using static mmap64 (clean)",
            5 => "shape 5: MAP_SHARED, fd, offset",
            6 => "shape 6: named arguments (clean)",
            7 => "shape 7: fd 0",
            8 => "shape 8: enum casts (clean)",
            _ => "shape 9: ternary local, MAP_FIXED, PROT_EXEC, munmap 0",
        };

        /// <summary>The interop declarations, in three of the files: each binding style real code uses.</summary>
        private static string InteropDeclarations(int index) => index switch
        {
            0 => @"
namespace Contoso.Interop
{
    /// <summary>DllImport extern with IntPtr/UIntPtr parameters and const int flags (dotnet/iot, BizHawk style).</summary>
    internal static class Libc
    {
        public const int PROT_NONE = 0x0;
        public const int PROT_READ = 0x1;
        public const int PROT_WRITE = 0x2;
        public const int PROT_EXEC = 0x4;
        public const int MAP_SHARED = 0x01;
        public const int MAP_PRIVATE = 0x02;
        public const int MAP_FIXED = 0x10;
        public const int MAP_ANONYMOUS = 0x20;
        public const int MAP_NORESERVE = 0x4000;
        public const int MAP_POPULATE = 0x8000;
        public const int MAP_HUGETLB = 0x40000;
        public static readonly IntPtr MAP_FAILED = new IntPtr(-1);

        [DllImport(""libc"", SetLastError = true)]
        public static extern IntPtr mmap(IntPtr addr, UIntPtr length, int prot, int flags, int fd, IntPtr offset);

        [DllImport(""libc"", SetLastError = true)]
        public static extern int munmap(IntPtr addr, UIntPtr length);
    }
}
",
            1 => @"
namespace Contoso.Interop
{
    [Flags]
    internal enum MmapProts
    {
        PROT_NONE = 0x0,
        PROT_READ = 0x1,
        PROT_WRITE = 0x2,
        PROT_EXEC = 0x4,
    }

    [Flags]
    internal enum MmapFlags
    {
        MAP_SHARED = 0x01,
        MAP_PRIVATE = 0x02,
        MAP_FIXED = 0x10,
        MAP_ANONYMOUS = 0x20,
        MAP_NORESERVE = 0x4000,
        MAP_POPULATE = 0x8000,
    }

    /// <summary>LibraryImport, renamed entry points, enum-typed parameters, void* (Ryujinx, IORingGroup style).</summary>
    internal static unsafe partial class NativeMethods
    {
        [LibraryImport(""libc"", EntryPoint = ""mmap"", SetLastError = true)]
        internal static partial void* Mmap(void* addr, nuint length, MmapProts prot, MmapFlags flags, int fd, long offset);

        [LibraryImport(""libc"", EntryPoint = ""munmap"", SetLastError = true)]
        internal static partial int Munmap(void* addr, nuint length);
    }
}
",
            _ => @"
namespace Contoso.Interop
{
    /// <summary>A const library name, mmap64 under another method name, nint/nuint/long (RavenDB, MonoMod style).</summary>
    internal static class Syscalls
    {
        private const string LibC = ""libc.so.6"";
        internal const int PROT_READ = 1, PROT_WRITE = 2, MAP_SHARED = 1, MAP_PRIVATE = 2, MAP_ANONYMOUS = 0x20, MAP_POPULATE = 0x8000;

        [DllImport(LibC, EntryPoint = ""mmap64"", CallingConvention = CallingConvention.Cdecl, SetLastError = true)]
        internal static extern nint mmap64_posix(nint addr, nuint length, int prot, int flags, int fd, long offset);

        [DllImport(LibC, SetLastError = true)]
        internal static extern int munmap(nint addr, nuint length);
    }
}
",
        };

        /// <summary>One method that maps and unmaps, in one of ten shapes; even shapes are clean, odd ones misuse.</summary>
        private static string MmapMethod(int file, int shape)
        {
            string name = $"MapBuffer_{file}";
            string body = shape switch
            {
                0 => @"
            IntPtr p = Contoso.Interop.Libc.mmap(IntPtr.Zero, (UIntPtr)size, Contoso.Interop.Libc.PROT_READ | Contoso.Interop.Libc.PROT_WRITE,
                Contoso.Interop.Libc.MAP_PRIVATE | Contoso.Interop.Libc.MAP_ANONYMOUS, -1, IntPtr.Zero);
            if (p == Contoso.Interop.Libc.MAP_FAILED)
            {
                throw new OutOfMemoryException(""mmap failed: "" + Marshal.GetLastPInvokeError());
            }

            Marshal.WriteByte(p, 1);
            return Contoso.Interop.Libc.munmap(p, (UIntPtr)size);",
                1 => @"
            int flags = Contoso.Interop.Libc.MAP_PRIVATE | Contoso.Interop.Libc.MAP_ANONYMOUS;
            if (size > 1 << 20)
            {
                flags |= Contoso.Interop.Libc.MAP_POPULATE;
            }

            IntPtr p = Contoso.Interop.Libc.mmap(IntPtr.Zero, (UIntPtr)size, Contoso.Interop.Libc.PROT_READ | Contoso.Interop.Libc.PROT_WRITE, flags, -1, IntPtr.Zero);
            if (p.ToInt64() == -1)
            {
                return -1;
            }

            return Contoso.Interop.Libc.munmap(p, (UIntPtr)size);",
                2 => @"
            unsafe
            {
                void* p = Contoso.Interop.NativeMethods.Mmap(null, (nuint)size, Contoso.Interop.MmapProts.PROT_READ | Contoso.Interop.MmapProts.PROT_WRITE,
                    Contoso.Interop.MmapFlags.MAP_PRIVATE | Contoso.Interop.MmapFlags.MAP_ANONYMOUS, -1, 0);
                if (p == (void*)-1)
                {
                    return -1;
                }

                *(byte*)p = 42;
                return Contoso.Interop.NativeMethods.Munmap(p, (nuint)size);
            }",
                3 => @"
            const Contoso.Interop.MmapProts reserve = Contoso.Interop.MmapProts.PROT_NONE;
            unsafe
            {
                void* p = Contoso.Interop.NativeMethods.Mmap(null, (nuint)size, reserve,
                    Contoso.Interop.MmapFlags.MAP_PRIVATE | Contoso.Interop.MmapFlags.MAP_ANONYMOUS | Contoso.Interop.MmapFlags.MAP_NORESERVE, -1, 0);
                return p == (void*)-1 ? -1 : Contoso.Interop.NativeMethods.Munmap(p, (nuint)size);
            }",
                4 => @"
            nint p = mmap64_posix(0, (nuint)size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (p == -1)
            {
                return -1;
            }

            return munmap(p, (nuint)size);",
                5 => @"
            nint p = mmap64_posix(0, (nuint)size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, _counter, 4096);
            if (p == -1)
            {
                return -1;
            }

            return munmap(p, (nuint)size);",
                6 => @"
            IntPtr p = Contoso.Interop.Libc.mmap(length: (UIntPtr)size, addr: IntPtr.Zero, fd: -1, offset: IntPtr.Zero,
                flags: Contoso.Interop.Libc.MAP_PRIVATE | Contoso.Interop.Libc.MAP_ANONYMOUS,
                prot: Contoso.Interop.Libc.PROT_READ | Contoso.Interop.Libc.PROT_WRITE);
            return p == new IntPtr(-1) ? -1 : Contoso.Interop.Libc.munmap(p, (UIntPtr)size);",
                7 => @"
            IntPtr p = Contoso.Interop.Libc.mmap(IntPtr.Zero, (UIntPtr)size, Contoso.Interop.Libc.PROT_READ | Contoso.Interop.Libc.PROT_WRITE,
                Contoso.Interop.Libc.MAP_PRIVATE | Contoso.Interop.Libc.MAP_ANONYMOUS, 0, IntPtr.Zero);
            return p == new IntPtr(-1) ? -1 : Contoso.Interop.Libc.munmap(p, (UIntPtr)size);",
                8 => @"
            IntPtr p = Contoso.Interop.Libc.mmap(IntPtr.Zero, (UIntPtr)size, (int)(Contoso.Interop.MmapProts.PROT_READ | Contoso.Interop.MmapProts.PROT_WRITE),
                (int)(Contoso.Interop.MmapFlags.MAP_PRIVATE | Contoso.Interop.MmapFlags.MAP_ANONYMOUS), -1, IntPtr.Zero);
            return p == new IntPtr(-1) ? -1 : Contoso.Interop.Libc.munmap(p, (UIntPtr)size);",
                _ => @"
            int flags = size > 1 << 21
                ? Contoso.Interop.Libc.MAP_PRIVATE | Contoso.Interop.Libc.MAP_ANONYMOUS | Contoso.Interop.Libc.MAP_HUGETLB
                : Contoso.Interop.Libc.MAP_PRIVATE | Contoso.Interop.Libc.MAP_ANONYMOUS | Contoso.Interop.Libc.MAP_FIXED;
            IntPtr p = Contoso.Interop.Libc.mmap(new IntPtr(0x10000000), (UIntPtr)size, Contoso.Interop.Libc.PROT_READ | Contoso.Interop.Libc.PROT_WRITE | Contoso.Interop.Libc.PROT_EXEC,
                flags, -1, IntPtr.Zero);
            return p == new IntPtr(-1) ? -1 : Contoso.Interop.Libc.munmap(p, UIntPtr.Zero);",
            };
            return $@"
        public int {name}(int size)
        {{{body}
        }}
";
        }
    }
}
