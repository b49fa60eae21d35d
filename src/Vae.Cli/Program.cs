using System.Runtime.InteropServices;
using Vae.Cli;

// SIGINT (Ctrl-C) and SIGTERM stop a training between two steps: the last epoch's checkpoint stays, the command says how to
// resume, and the exit code is 130.
using var interrupt = new CancellationTokenSource();
void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    interrupt.Cancel();
}
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
return VaeCommand.Run(args, Console.Out, Console.Error, interrupt.Token);
