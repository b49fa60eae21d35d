namespace Vae.Cli;

/// <summary>A problem the user can fix: printed as one line on stderr, exit code 2, no stack trace.</summary>
internal sealed class CliError(string message) : Exception(message);
