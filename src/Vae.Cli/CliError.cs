namespace Vae.Cli;

/// <summary>A problem the user can fix: printed as one line on stderr, exit code 2, no stack trace.</summary>
internal sealed class CliError(string message) : Exception(message);

/// <summary>A run stopped by SIGINT or SIGTERM; the message says how to continue it (exit code 130).</summary>
internal sealed class RunInterruptedException(string message) : Exception(message);
