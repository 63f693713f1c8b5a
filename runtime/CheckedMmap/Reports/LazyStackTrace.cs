// A stack capture that defers the expensive half. `new StackTrace(1, false)` walks the stack and then builds a
// StackFrame with its MethodBase for every frame; the walk alone (the runtime's StackFrameHelper, which StackTrace
// itself uses) costs about half. Creation and destruction stacks are taken for every mapping but read only for a
// report, so the frames are built on first use. Where the runtime's internals differ from what is expected here,
// capture falls back to a plain StackTrace.
using System;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace CheckedMmap.Reports
{
    internal sealed class LazyStackTrace : StackTrace
    {
        private static readonly Capturer? Walker = Capturer.TryCreate();

        private readonly object _helper;
        private StackFrame[]? _frames;

        private LazyStackTrace(object helper)
            : base(Array.Empty<StackFrame>())
        {
            _helper = helper;
        }

        public override int FrameCount => Frames.Length;

        private StackFrame[] Frames => _frames ??= Walker!.Materialize(_helper);

        /// <summary>The calling thread's stack, methods only, frames built on first use.</summary>
        public static StackTrace Capture()
        {
            if (Walker != null)
            {
                object? helper = Walker.Walk();
                if (helper != null)
                {
                    return new LazyStackTrace(helper);
                }
            }

            return new StackTrace(1, false);
        }

        public override StackFrame? GetFrame(int index) => index >= 0 && index < Frames.Length ? Frames[index] : null;

        public override StackFrame[] GetFrames() => (StackFrame[])Frames.Clone();

        public override string ToString() => new StackTrace(Frames).ToString();

        /// <summary>The reflection handles on the runtime's StackFrameHelper, found once.</summary>
        [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Falls back to StackTrace when the members are missing.")]
        [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "Falls back to StackTrace when the members are missing.")]
        [UnconditionalSuppressMessage("Trimming", "IL2080", Justification = "Falls back to StackTrace when the members are missing.")]
        private sealed class Capturer
        {
            private readonly ConstructorInfo _newHelper;
            private readonly object?[]? _newHelperArguments;
            private readonly MethodInfo _walk;
            private readonly object?[] _walkArguments;
            private readonly MethodInfo _count;
            private readonly ConstructorInfo _newFrame;

            private Capturer(ConstructorInfo newHelper, MethodInfo walk, object?[] walkArguments, MethodInfo count, ConstructorInfo newFrame)
            {
                _newHelper = newHelper;
                _newHelperArguments = newHelper.GetParameters().Length == 0 ? null : new object?[] { null };
                _walk = walk;
                _walkArguments = walkArguments;
                _count = count;
                _newFrame = newFrame;
            }

            public static Capturer? TryCreate()
            {
                try
                {
                    const BindingFlags Instance = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;
                    Type? helper = typeof(StackTrace).Assembly.GetType("System.Diagnostics.StackFrameHelper");
                    ConstructorInfo? newHelper = helper?.GetConstructor(Instance, null, Type.EmptyTypes, null)
                        ?? helper?.GetConstructor(Instance, null, new[] { typeof(System.Threading.Thread) }, null);
                    MethodInfo? count = helper?.GetMethod("GetNumberOfFrames", Instance, null, Type.EmptyTypes, null);
                    ConstructorInfo? newFrame = helper == null ? null
                        : typeof(StackFrame).GetConstructor(Instance, null, new[] { helper, typeof(int), typeof(bool) }, null);
                    MethodInfo? walk = helper?.GetMethod("InitializeSourceInfo", Instance, null, new[] { typeof(bool), typeof(Exception) }, null);
                    object?[] arguments = { false, null };
                    if (walk == null)
                    {
                        // .NET 8: InitializeSourceInfo(int skip, bool needFileInfo, Exception? exception).
                        walk = helper?.GetMethod("InitializeSourceInfo", Instance, null, new[] { typeof(int), typeof(bool), typeof(Exception) }, null);
                        arguments = new object?[] { 0, false, null };
                    }

                    if (newHelper == null || walk == null || count == null || newFrame == null)
                    {
                        return null;
                    }

                    var capturer = new Capturer(newHelper, walk, arguments, count, newFrame);
                    object? probe = capturer.Walk();
                    return probe != null && capturer.Materialize(probe).Length > 0 ? capturer : null;
                }
                catch (Exception)
                {
                    return null;
                }
            }

            public object? Walk()
            {
                try
                {
                    object helper = _newHelper.Invoke(_newHelperArguments);
                    _walk.Invoke(helper, _walkArguments);
                    return helper;
                }
                catch (Exception)
                {
                    return null;
                }
            }

            // The frames from the CheckedMmap call that captured the stack outwards: the walk's own frames (reflection,
            // StackFrameHelper, this class) are dropped, as StackTrace drops its own.
            public StackFrame[] Materialize(object helper)
            {
                int n = (int)_count.Invoke(helper, null)!;
                var frames = new StackFrame[n];
                int first = -1;
                int kept = 0;
                for (int i = 0; i < n; i++)
                {
                    var frame = (StackFrame)_newFrame.Invoke(new object[] { helper, i, false });
                    Type? type = frame.GetMethod()?.DeclaringType;
                    if (first < 0)
                    {
                        if (type == null || type.Assembly != typeof(LazyStackTrace).Assembly || type == typeof(LazyStackTrace)
                            || type == typeof(Capturer) || type == typeof(StackRendering))
                        {
                            continue;
                        }

                        first = i;
                    }

                    frames[kept++] = frame;
                }

                Array.Resize(ref frames, kept);
                return frames;
            }
        }
    }
}
