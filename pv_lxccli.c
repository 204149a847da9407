// SPDX-License-Identifier: MIT
/*
 * pv_lxccli: Pantavisor's LXC runtime plugin on the stock LXC tools.
 *
 * Start checks the platform's values, resolves what needs the core and
 * hands the rest (reading and merging the config into
 * PV_LXCCLI_RUNDIR/<name>/config, lxc-start, then lxc-info for the pid) to
 * a helper, so the core's event loop is never blocked and no zombie is left
 * whether or not the core reaps. Stop hands lxc-stop to a helper the same
 * way. A helper is this .so run as a program (see "helpers"), never a copy
 * of the core. The console is a PTY pair: the slave path goes to LXC, the
 * master to the core.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dlfcn.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <sched.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "pv_lxccli.h"

#define MODULE_NAME "pv_lxccli"
#define CGROUP2_MAGIC 0x63677270
#define OUT_MAX 4096 /* tool output kept for parsing and log lines */
#define MOUNTS_MAX 10
#define HOOKS_MAX 32
#define ARGV_MAX 48
#define INIT_ARGS_MAX 24
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
/* the kernel's values, for a libc that lacks them */
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* ---------------------------------------------------------------- logging */

static pv_vlog_fn log_fn;

/*
 * An exec'd helper (see "helper program") has no injected logger: it is a
 * program of its own, not a copy of the core. Its lines go to its stderr,
 * the core's, and, for a start, to the core's logfd as well, where LXC's
 * own lines of the platform go. helper_min: the least important level
 * written; -1 in the core's process.
 */
static int helper_min = -1;
static int helper_logfd = -1;
/* runs before a line goes to logfd: LXC's lines held until then go first */
static void (*helper_line_hook)(void);

static void helper_line(int level, const char *name, const char *msg)
{
	char line[1100];
	int n;

	if (level > helper_min)
		return;
	n = snprintf(line, sizeof(line), "%s: %s: %s\n", MODULE_NAME, name,
		     msg);
	if (n <= 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	/* one write each: lines of several helpers never interleave */
	if (write(2, line, (size_t)n) < 0 && errno == EBADF)
		return;
	if (helper_logfd >= 0 && helper_line_hook)
		helper_line_hook();
	if (helper_logfd >= 0 && write(helper_logfd, line, (size_t)n) < 0 &&
	    errno != EAGAIN && errno != EINTR)
		helper_logfd = -1; /* the core closed its end */
}

__attribute__((format(printf, 2, 3))) static void plog(int level,
							const char *fmt, ...)
{
	static const char *const names[] = { "FATAL", "ERROR", "WARN",
					     "INFO",  "DEBUG", "TRACE" };
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* values quoted from bad input must not start a second line */
	for (char *c = msg; *c; c++)
		if ((unsigned char)*c < ' ' || *c == 0x7f)
			*c = '?';
	if (log_fn) {
		log_fn(MODULE_NAME, level, "%s", msg);
		return;
	}
	if (level < 0 || level > PV_LOG_TRACE)
		level = PV_LOG_TRACE;
	if (helper_min >= 0) {
		helper_line(level, names[level], msg);
		return;
	}
	fprintf(stderr, "%s: %s: %s\n", MODULE_NAME, names[level], msg);
}

/* -------------------------------------------------------------- utilities */

static void close_fd(int *fd)
{
	int saved = errno;

	if (*fd >= 0)
		close(*fd);
	*fd = -1;
	errno = saved;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The runtime folder; an exec'd helper is told it by its job. */
static const char *helper_rundir;

static const char *run_dir(void)
{
	return helper_rundir ? helper_rundir : PV_LXCCLI_RUNDIR;
}

/* mkdir -p for folders whose path comes from the core's path functions. */
static int mkdir_parents(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(buf))
		return -ENAMETOOLONG;
	/* mostly there already: one call, not one per component */
	if (mkdir(path, mode) == 0 || errno == EEXIST)
		return 0;
	if (errno != ENOENT)
		return -errno;
	memcpy(buf, path, len + 1);
	for (char *s = buf + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/*
 * Opens (creating as needed) every component of an absolute folder path
 * without following a symlink anywhere, so a runtime folder replaced by a
 * link to elsewhere is refused instead of written through.
 */
static int open_dir_nofollow(const char *path)
{
	char buf[PATH_MAX];
	char *comp, *save = NULL;
	int dfd, next;

	if (path[0] != '/' || strlen(path) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, path);
	dfd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	for (comp = strtok_r(buf, "/", &save); comp;
	     comp = strtok_r(NULL, "/", &save)) {
		if (mkdirat(dfd, comp, 0755) < 0 && errno != EEXIST)
			goto fail;
		next = openat(dfd, comp,
			      O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0)
			goto fail;
		close(dfd);
		dfd = next;
	}
	return dfd;
fail:
	next = -errno;
	close(dfd);
	return next == -ELOOP ? -ENOTDIR : next;
}

/* Reads a whole regular file; the caller frees *out. */
static int read_file(const char *path, char **out, size_t *out_len)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	ssize_t n;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		ret = -ENOMEM;
		goto out;
	}
	while (len < (size_t)st.st_size) {
		n = read(fd, buf + len, (size_t)st.st_size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*out = buf;
	*out_len = len;
	buf = NULL;
	ret = 0;
out:
	free(buf);
	close(fd);
	return ret;
}

/*
 * Reads a /proc file, whose size stat() does not tell, up to 64 KiB; the
 * text is NUL-terminated. The caller frees *out.
 */
static int read_proc(const char *path, char **out, size_t *out_len)
{
	size_t cap = 65536, len = 0;
	char *buf = malloc(cap + 1);
	ssize_t n;
	int fd, ret = 0;

	if (!buf)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	while (len < cap && (n = read(fd, buf + len, cap - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			break;
		}
		len += (size_t)n;
	}
	close(fd);
out:
	if (ret) {
		free(buf);
		return ret;
	}
	buf[len] = '\0';
	*out = buf;
	*out_len = len;
	return 0;
}

/* ------------------------------------------------------------- validation */

/*
 * A platform name becomes a folder name, an argv value, a hostname, a
 * cgroup, an element of the ':'-separated overlay spec and a word in hook
 * scripts: the portable set only, [A-Za-z0-9._-].
 */
static const char *name_problem(const char *name)
{
	size_t len;

	if (!name || !*name)
		return "is empty";
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return "is '.' or '..'";
	len = strlen(name);
	if (len > PV_LXCCLI_NAME_MAX)
		return "is longer than 64 bytes";
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c == '/')
			return "contains '/'";
		if (c <= ' ' || c == 0x7f)
			return "contains whitespace or a control character";
		if (!isalnum(c) && c != '.' && c != '_' && c != '-')
			return "contains a character other than letters, "
			       "digits, '.', '_' and '-'";
	}
	return NULL;
}

/* Any value that ends up on a config line: one line, nothing hidden. */
static const char *value_problem(const char *v)
{
	for (; v && *v; v++) {
		unsigned char c = (unsigned char)*v;

		if (c == '\n' || c == '\r')
			return "contains a newline";
		if ((c < ' ' && c != '\t') || c == 0x7f)
			return "contains a control character";
	}
	return NULL;
}

/* Mount sources and targets are space-separated fields of one line. */
static const char *path_problem(const char *v)
{
	const char *why = value_problem(v);

	if (why)
		return why;
	if (!v || v[0] != '/')
		return "is not an absolute path";
	if (strpbrk(v, " \t"))
		return "contains whitespace";
	return NULL;
}

/* ------------------------------------------------- config text and writer */

struct cfg_line {
	const char *key;
	size_t key_len;
	const char *val;
	size_t val_len;
};

/*
 * Splits one line the way LXC's parser does: leading blanks skipped, '#'
 * starts a comment, the key ends at the first '=', both sides trimmed.
 * Returns 1 for a key line, 0 for a blank or comment line, -1 otherwise.
 */
static int split_cfg_line(const char *s, size_t len, struct cfg_line *out)
{
	const char *end = s + len, *eq;

	while (s < end && isspace((unsigned char)*s))
		s++;
	while (end > s && isspace((unsigned char)end[-1]))
		end--;
	if (s == end || *s == '#')
		return 0;
	eq = memchr(s, '=', (size_t)(end - s));
	if (!eq)
		return -1;
	out->key = s;
	out->key_len = (size_t)(eq - s);
	while (out->key_len && isspace((unsigned char)s[out->key_len - 1]))
		out->key_len--;
	out->val = eq + 1;
	while (out->val < end && isspace((unsigned char)*out->val))
		out->val++;
	out->val_len = (size_t)(end - out->val);
	return 1;
}

static bool key_is(const struct cfg_line *l, const char *key)
{
	return l->key_len == strlen(key) && !memcmp(l->key, key, l->key_len);
}

/* The config's key lines one at a time; *pos starts at the text. */
static bool next_key_line(const char **pos, const char *end,
			  struct cfg_line *l)
{
	while (*pos < end) {
		const char *s = *pos, *nl = memchr(s, '\n', (size_t)(end - s));

		if (!nl)
			nl = end;
		*pos = nl < end ? nl + 1 : end;
		if (split_cfg_line(s, (size_t)(nl - s), l) == 1)
			return true;
	}
	return false;
}

static bool key_in(const struct cfg_line *l, const char *const *keys)
{
	for (; *keys; keys++)
		if (key_is(l, *keys))
			return true;
	return false;
}

/*
 * The last value the config gives one of the keys (NULL-ended), copied
 * into buf when there is one; false when no line sets them.
 */
static bool cfg_last_value(const char *text, size_t len,
			   const char *const *keys, char *buf, size_t size)
{
	const char *pos = text;
	struct cfg_line l;
	bool found = false;

	while (next_key_line(&pos, text + len, &l)) {
		if (!key_in(&l, keys))
			continue;
		if (buf)
			snprintf(buf, size, "%.*s", (int)l.val_len, l.val);
		found = true;
	}
	return found;
}

static bool cfg_console_none(const char *text, size_t len)
{
	static const char *const keys[] = { "lxc.console.path", "lxc.console",
					    NULL };
	char v[16];

	return cfg_last_value(text, len, keys, v, sizeof(v)) &&
	       !strcmp(v, "none");
}

/*
 * A signal as LXC reads lxc.signal.halt, as far as the plugin follows it:
 * a number (base 0: 010 is 8, as strtoul reads it for LXC), or "SIG" and a
 * name in any case, or SIGRTMIN+n / SIGRTMAX-n. -1 for anything else,
 * including a few forms LXC also takes: lxc-stop then decides.
 */
static int parse_signal(const char *v)
{
	static const struct {
		const char *name;
		int num;
	} names[] = {
		{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT },
		{ "ILL", SIGILL }, { "TRAP", SIGTRAP }, { "ABRT", SIGABRT },
		{ "IOT", SIGIOT }, { "BUS", SIGBUS }, { "FPE", SIGFPE },
		{ "KILL", SIGKILL }, { "USR1", SIGUSR1 }, { "SEGV", SIGSEGV },
		{ "USR2", SIGUSR2 }, { "PIPE", SIGPIPE }, { "ALRM", SIGALRM },
		{ "TERM", SIGTERM }, { "CHLD", SIGCHLD }, { "CONT", SIGCONT },
		{ "STOP", SIGSTOP }, { "TSTP", SIGTSTP }, { "TTIN", SIGTTIN },
		{ "TTOU", SIGTTOU }, { "URG", SIGURG }, { "XCPU", SIGXCPU },
		{ "XFSZ", SIGXFSZ }, { "VTALRM", SIGVTALRM },
		{ "PROF", SIGPROF }, { "WINCH", SIGWINCH }, { "IO", SIGIO },
		{ "POLL", SIGPOLL }, { "PWR", SIGPWR }, { "SYS", SIGSYS },
	};
	char *end;
	long n;

	if (strncasecmp(v, "SIG", 3)) {
		n = strtol(v, &end, 0);
		return isdigit((unsigned char)*v) && !*end && n > 0 &&
			       n <= SIGRTMAX ?
			       (int)n :
			       -1;
	}
	v += 3;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcasecmp(v, names[i].name))
			return names[i].num;
	if (strncasecmp(v, "RTMIN+", 6) && strncasecmp(v, "RTMAX-", 6))
		return -1;
	n = strtol(v + 6, &end, 0);
	if (!isdigit((unsigned char)v[6]) || *end || n > SIGRTMAX - SIGRTMIN)
		return -1;
	return (int)(toupper((unsigned char)v[3]) == 'I' ? SIGRTMIN + n :
							  SIGRTMAX - n);
}

/*
 * The halt signal a config sets, for the plugin to send it itself as
 * lxc-stop would: 0 when it sets none (LXC's own rule then), -1 when the
 * plugin leaves it to lxc-stop (an lxc.include may set it; a value
 * parse_signal does not take).
 */
static int cfg_halt_signal(const char *text, size_t len)
{
	static const char *const halt[] = { "lxc.signal.halt", NULL };
	static const char *const incl[] = { "lxc.include", NULL };
	char v[32];

	if (cfg_last_value(text, len, incl, NULL, 0))
		return -1;
	if (!cfg_last_value(text, len, halt, v, sizeof(v)))
		return 0;
	return strlen(v) < sizeof(v) - 1 ? parse_signal(v) : -1;
}

/*
 * An overlay rootfs with the configs folder as its top lower layer:
 * "overlayfs:<configs>:<lowers...>:<upper>". Returns 1 when built, 0 when
 * the rootfs is not an overlay, -1 when it does not fit.
 */
static int overlay_with_configs(const char *rootfs, const char *configs,
				char *out, size_t size)
{
	static const char *const types[] = { "overlayfs:", "overlay:" };

	for (size_t i = 0; i < 2; i++) {
		size_t n = strlen(types[i]);

		if (strncmp(rootfs, types[i], n))
			continue;
		if (!strchr(rootfs + n, ':'))
			return 0; /* no upper layer: not an overlay spec */
		return (size_t)snprintf(out, size, "%.*s%s:%s", (int)n, rootfs,
					configs, rootfs + n) < size ?
			       1 :
			       -1;
	}
	return 0;
}

/*
 * Splits an init command into argv like a POSIX shell would, without
 * expansion: single quotes are literal, double quotes allow \" \\ \$ \`
 * escapes, a backslash outside quotes escapes the next character. Returns
 * argc, or -1 for an unterminated quote or too many arguments. buf holds
 * the words.
 */
static int split_command(const char *cmd, char *buf, size_t size,
			 char **argv, size_t max)
{
	size_t argc = 0, o = 0;
	char q = 0;
	bool in_word = false;

	for (const char *s = cmd;; s++) {
		char c = *s;

		if (o + 2 >= size)
			return -1;
		if (!c || (!q && (c == ' ' || c == '\t'))) {
			if (q)
				return -1;
			if (in_word) {
				buf[o++] = '\0';
				in_word = false;
			}
			if (!c)
				break;
			continue;
		}
		if (!in_word) {
			if (argc + 1 >= max)
				return -1;
			argv[argc++] = buf + o;
			in_word = true;
		}
		if (q == '\'') {
			if (c == '\'')
				q = 0;
			else
				buf[o++] = c;
		} else if (c == '\\' && s[1] &&
			   (!q || strchr("\"\\$`", s[1]))) {
			buf[o++] = *++s;
		} else if (c == '"' || (c == '\'' && !q)) {
			/* 0 or c: no narrowing in fact */
			/* NOLINTNEXTLINE(bugprone-narrowing-conversions) */
			q = q ? 0 : c;
		} else {
			buf[o++] = c;
		}
	}
	argv[argc] = NULL;
	return (int)argc;
}

static bool cfg_sets_uts_name(const char *text, size_t len)
{
	static const char *const keys[] = { "lxc.uts.name", "lxc.utsname",
					    NULL };

	return cfg_last_value(text, len, keys, NULL, 0);
}

/* LXC versions as major * 10000 + minor * 100 + patch. */
#define LXC_V3(maj, min, pat) ((maj) * 10000 + (min) * 100 + (pat))
#define LXC_V(maj, min) LXC_V3(maj, min, 0)
#define LXC_MIN_VERSION LXC_V(2, 1)

/*
 * The keys the plugin emits that not every supported LXC knows. A key is
 * written only when the detected version has it; the rest are known to
 * every version from 2.1 (lxc.uts.name, lxc.console.path, lxc.init.cmd,
 * lxc.log.level, lxc.rootfs.mount, lxc.mount.entry, lxc.hook.mount,
 * lxc.environment, lxc.cgroup.devices.*).
 */
enum lxc_key {
	KEY_CGROUP2_DEVICES,
	KEY_CGROUP_DIR,
	KEY_INIT_CMD_QUOTES,
	KEY_CGROUP_RELATIVE,
	KEY_COUNT
};

static const struct {
	const char *what;
	int since;
} lxc_keys[KEY_COUNT] = {
	[KEY_CGROUP2_DEVICES] = { "lxc.cgroup2.devices.allow", LXC_V(3, 0) },
	[KEY_CGROUP_DIR] = { "lxc.cgroup.dir.container/monitor", LXC_V(5, 0) },
	[KEY_INIT_CMD_QUOTES] = { "quotes in lxc.init.cmd", LXC_V(6, 0) },
	[KEY_CGROUP_RELATIVE] = { "lxc.cgroup.relative", LXC_V(3, 1) },
};

static bool lxc_has(int version, enum lxc_key k)
{
	return version >= lxc_keys[k].since;
}

/* What the payload cgroup is called by an LXC that cannot be told. */
static const char *default_cgroup_pattern(int version)
{
	if (version <= LXC_V3(3, 0, 3))
		return "lxc/%s";
	if (version < LXC_V(4, 0))
		return "lxc.payload/%s";
	return "lxc.payload.%s";
}

struct mount_ent {
	char src[PATH_MAX];
	char dst[256]; /* rootfs-relative */
	const char *opts;
};

#if PV_LXCCLI_CORE >= PV_LXCCLI_CORE_2026_08
#define NET_NODES_MAX 64 /* nodes of the core's interface list walked */

/* One pool interface to emit, resolved from the core's list. */
struct net_iface_in {
	const char *name;
	const char *link; /* the pool's bridge */
	const char *address;
	const char *gateway; /* NULL: none */
	const char *hwaddr;  /* NULL: none */
};

/* A pool network: the interfaces that have an address and a bridge. */
struct net_in {
	const char *hostname; /* NULL: the usual lxc.uts.name rule */
	size_t n_ifaces;
	struct net_iface_in ifaces[NET_NODES_MAX];
};
#endif

/* Everything the writer needs, resolved beforehand: it does no I/O. */
struct cfg_in {
	const char *name;
	const char *rev;
	const char *conf_path;
	const char *lxcpath;
	const char *config_path;
	const char *rootfs_mount;
	const char *console; /* PTY slave path, NULL without capture */
	const char *group;
	const char *exec;
	const char *rootfs_path; /* overlay rootfs with the configs layer */
	char *const *init_argv;	 /* set: init goes after -- on lxc-start */
	int lxc_version;
	int loglevel;
	bool unified;
	bool appengine; /* Pantavisor runs as a process on a Linux host */
	size_t n_mounts;
	const struct mount_ent *mounts;
	size_t n_hooks;
	char *const *hooks;
#if PV_LXCCLI_CORE >= PV_LXCCLI_CORE_2026_08
	const struct net_in *net; /* pool network; NULL: none */
#endif
};

/* The init argv, as a shell would need it typed, for the header. */
static void write_init_args(FILE *f, const struct cfg_in *c)
{
	if (!c->init_argv)
		return;
	fprintf(f, " --");
	for (char *const *a = c->init_argv; *a; a++) {
		fputs(" '", f);
		for (const char *s = *a; *s; s++) {
			if (*s == '\'')
				fputs("'\\''", f); /* close, escaped ', reopen */
			else
				fputc(*s, f);
		}
		fputc('\'', f);
	}
}

static void write_header(FILE *f, const struct cfg_in *c)
{
	fprintf(f,
		"# generated by pv_lxccli: do not edit, rewritten at each start\n"
		"# platform: %s\n# original config: %s\n# revision: %s\n"
		"# run it by hand (the console line below names a PTY that is\n"
		"# gone once the plugin's container stops, hence the -s):\n"
		"#   lxc-start -n %s -P %s -f %s -s lxc.console.path=none -d",
		c->name, c->conf_path, c->rev, c->name, c->lxcpath,
		c->config_path);
	write_init_args(f, c);
	fprintf(f,
		"\n# or in the foreground, console on this terminal:\n"
		"#   lxc-start -n %s -P %s -f %s -s lxc.console.path= -F",
		c->name, c->lxcpath, c->config_path);
	write_init_args(f, c);
	fputc('\n', f);
}

static void write_additions(FILE *f, const struct cfg_in *c, bool has_uts)
{
	fprintf(f, "\n# ---- added by pv_lxccli ----\n");
	fprintf(f, "lxc.rootfs.mount = %s\n", c->rootfs_mount);
	if (c->rootfs_path)
		fprintf(f, "lxc.rootfs.path = %s\n", c->rootfs_path);
	if (!has_uts)
		fprintf(f, "lxc.uts.name = %s\n", c->name);
	fprintf(f, "lxc.log.level = %d\n", c->loglevel);
	if (c->console)
		fprintf(f, "lxc.console.path = %s\n", c->console);
	/* the liblxc plugin's rule: in appengine mode the core's cgroup
	 * (maybe a namespace root it unshared) is where the container goes */
	if (c->appengine && lxc_has(c->lxc_version, KEY_CGROUP_RELATIVE))
		fprintf(f, "lxc.cgroup.relative = 1\n");
	if (lxc_has(c->lxc_version, KEY_CGROUP_DIR))
		fprintf(f,
			"lxc.cgroup.dir.container = lxc/%s\n"
			"lxc.cgroup.dir.monitor = lxc.monitor.%s\n",
			c->name, c->name);
	/* v1 rules would be refused on a unified host: clear, then open */
	if (c->unified && lxc_has(c->lxc_version, KEY_CGROUP2_DEVICES))
		fprintf(f, "lxc.cgroup.devices.allow =\n"
			   "lxc.cgroup.devices.deny =\n"
			   "lxc.cgroup2.devices.allow = a\n");
	for (size_t i = 0; i < c->n_mounts; i++)
		fprintf(f, "lxc.mount.entry = %s %s none %s 0 0\n",
			c->mounts[i].src, c->mounts[i].dst, c->mounts[i].opts);
	fprintf(f, "lxc.environment = container=pv-%s\n",
		c->group ? c->group : "unknown");
	for (size_t i = 0; i < c->n_hooks; i++)
		fprintf(f, "lxc.hook.mount = %s\n", c->hooks[i]);
	if (c->exec && !c->init_argv)
		fprintf(f, "lxc.init.cmd = %s\n", c->exec);
}

#if PV_LXCCLI_CORE >= PV_LXCCLI_CORE_2026_08
/* In the network section: the pool's lines, after all the others. */
static void write_network(FILE *f, const struct net_in *n, const char *orig,
			  size_t orig_len);
#endif

/*
 * The merged config: header, the platform's config whole (a missing final
 * newline added so its last line cannot run into ours), then the additions,
 * which LXC applies last and so override the platform's.
 */
static int write_config(FILE *f, const struct cfg_in *c, const char *orig,
			size_t orig_len)
{
	bool has_uts = cfg_sets_uts_name(orig, orig_len);

	write_header(f, c);
	fprintf(f, "\n");
	if (orig_len && fwrite(orig, 1, orig_len, f) != orig_len)
		return -EIO;
	if (orig_len && orig[orig_len - 1] != '\n')
		fputc('\n', f);
#if PV_LXCCLI_CORE >= PV_LXCCLI_CORE_2026_08
	/* a pool's hostname comes with the network lines: one uts line */
	if (c->net && c->net->hostname)
		has_uts = true;
#endif
	write_additions(f, c, has_uts);
#if PV_LXCCLI_CORE >= PV_LXCCLI_CORE_2026_08
	if (c->net)
		write_network(f, c->net, orig, orig_len);
#endif
	return ferror(f) ? -EIO : 0;
}

/*
 * The config is written to CONFIG_NEW, then swapped in. The previous one,
 * swapped out under that name, is unlinked once the pid is out: freeing a
 * file's blocks can wait for the disk (ext4 mounted with discard trims
 * them in the call). One writer at a time: the instance lock is held.
 */
#define CONFIG_NEW ".config.new"
static int old_config_dir = -1; /* the runtime folder while one waits */

/*
 * Swaps CONFIG_NEW in as "config"; false when there was none, a folder
 * (which rename() refuses, as it should), or no exchange on this file
 * system.
 */
static bool swap_in_config(int dfd)
{
#if defined(SYS_renameat2) && defined(RENAME_EXCHANGE)
	struct stat st;

	if (fstatat(dfd, "config", &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    S_ISDIR(st.st_mode))
		return false;
	if (syscall(SYS_renameat2, dfd, CONFIG_NEW, dfd, "config",
		    RENAME_EXCHANGE))
		return false; /* EINVAL: a file system without it */
	old_config_dir = fcntl(dfd, F_DUPFD_CLOEXEC, 3);
	if (old_config_dir < 0)
		unlinkat(dfd, CONFIG_NEW, 0); /* now, then */
	return true;
#else
	(void)dfd;
	return false;
#endif
}

/* The previous config of platform name, if one was swapped out. */
static void unlink_old_config(const char *name)
{
	if (old_config_dir < 0)
		return;
	if (unlinkat(old_config_dir, CONFIG_NEW, 0) < 0 && errno != ENOENT)
		plog(PV_LOG_WARN, "cannot remove '%s/%s/" CONFIG_NEW "': %s",
		     run_dir(), name, strerror(errno));
	close_fd(&old_config_dir);
}

/* Writes through a temporary file in the same folder, then swaps it in. */
static int write_config_file(int dfd, const struct cfg_in *c, const char *orig,
			     size_t orig_len)
{
	FILE *f = NULL;
	int fd, ret;

	/* left by a helper that died before it could unlink it */
	unlinkat(dfd, CONFIG_NEW, 0);
	fd = openat(dfd, CONFIG_NEW,
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		ret = -errno;
		close(fd);
		goto fail;
	}
	ret = write_config(f, c, orig, orig_len);
	if (fclose(f) != 0 && !ret)
		ret = -errno;
	if (ret)
		goto fail;
	if (swap_in_config(dfd))
		return 0;
	if (renameat(dfd, CONFIG_NEW, dfd, "config") < 0) {
		ret = -errno;
		goto fail;
	}
	return 0;
fail:
	unlinkat(dfd, CONFIG_NEW, 0);
	return ret;
}

/* ------------------------------------------------------------ LXC's log */

/*
 * LXC's own log reaches the start helper through a pipe (-o
 * /proc/self/fd/N), one line per record:
 *   "lxc-start NAME 20261201204246.676 ERROR    cgfsng - FILE:FUNC:LINE - MSG"
 * The helper passes the lines at the core's level on to the core's logfd
 * and keeps the first ERROR line, LXC's reason for a failed start, which
 * lxc-start itself never prints ("Additional information can be obtained
 * by setting the --logfile and --logpriority options").
 */
#define LXC_LOG_ERROR 5 /* LXC's scale: 0 TRACE .. 8 FATAL */

static const char *const lxc_level_names[9] = {
	"TRACE", "DEBUG", "INFO", "NOTICE", "WARN",
	"ERROR", "CRIT",  "ALERT", "FATAL",
};

struct log_relay {
	int to;	       /* the core's logfd (non-blocking), -1: none */
	int min_level; /* the core's level: lower ones are not passed on */
	char line[1024];
	size_t len;
	char first_error[512];
	char out[PIPE_BUF]; /* whole lines, sent together: one wakeup */
	size_t out_len;
	bool hold; /* sent only when out is full */
};

/* The level word of a record, the fourth field; -1 when there is none. */
static int log_line_level(const char *s, size_t len)
{
	size_t i = 0, n;

	for (int field = 0; field < 3; field++) {
		while (i < len && s[i] != ' ')
			i++;
		while (i < len && s[i] == ' ')
			i++;
	}
	for (n = 0; i + n < len && s[i + n] != ' '; n++)
		;
	for (int lv = 0; lv < 9; lv++)
		if (strlen(lxc_level_names[lv]) == n &&
		    !memcmp(s + i, lxc_level_names[lv], n))
			return lv;
	return -1;
}

/* The message of a record: what follows its second " - ". */
static void keep_reason(struct log_relay *r, const char *s, size_t len)
{
	const char *m = s, *end = s + len, *d;

	while (end > s && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	for (int i = 0; i < 2; i++) {
		d = memmem(m, (size_t)(end - m), " - ", 3);
		if (!d)
			break;
		m = d + 3;
	}
	if (m == s || m >= end)
		m = s;
	snprintf(r->first_error, sizeof(r->first_error), "%.*s",
		 (int)(end - m), m);
}

/*
 * The lines read in one go, in one write: the core's reader wakes once.
 * Non-blocking and at most PIPE_BUF, so it is all or nothing: a reader
 * that fell behind loses lines, never half of one, and LXC waits not.
 */
static void relay_send(struct log_relay *r)
{
	if (r->out_len && r->to >= 0 && write(r->to, r->out, r->out_len) < 0 &&
	    errno != EAGAIN && errno != EINTR)
		r->to = -1; /* the core closed its end */
	r->out_len = 0;
}

/* One whole line: kept when it is the first ERROR, passed on when wanted. */
static void relay_line(struct log_relay *r, const char *s, size_t len)
{
	int lv = log_line_level(s, len);

	if (lv >= LXC_LOG_ERROR && !r->first_error[0])
		keep_reason(r, s, len);
	if (r->to < 0 || (lv >= 0 && lv < r->min_level))
		return;
	if (r->out_len + len > sizeof(r->out))
		relay_send(r);
	memcpy(r->out + r->out_len, s, len);
	r->out_len += len;
}

static void relay_feed(struct log_relay *r, const char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		r->line[r->len++] = buf[i];
		if (buf[i] != '\n' && r->len < sizeof(r->line))
			continue;
		relay_line(r, r->line, r->len);
		r->len = 0;
	}
	if (!r->hold)
		relay_send(r);
}

/* What is left when the log ends without a final newline. */
static void relay_flush(struct log_relay *r)
{
	if (r->len)
		relay_line(r, r->line, r->len);
	r->len = 0;
	relay_send(r);
}

/*
 * Relays until the writers are gone (EOF) or the deadline passes (-1: no
 * deadline, for the container's life). The writers are lxc-start and its
 * daemonized monitor, so EOF is the moment the monitor has exited.
 */
static void relay_until_eof(struct log_relay *r, int from, long long deadline)
{
	char buf[4096];
	ssize_t n;

	for (;;) {
		struct pollfd pfd = { from, POLLIN, 0 };
		long long left = deadline < 0 ? -1 : deadline - now_ms();

		if (deadline >= 0 && left <= 0)
			break;
		if (poll(&pfd, 1, (int)left) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		n = read(from, buf, sizeof(buf));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			break;
		relay_feed(r, buf, (size_t)n);
	}
	relay_flush(r);
}

/* -------------------------------------------------------------- spawning */

struct tool_result {
	int exit_code; /* -1 unless the tool exited */
	int signal;    /* the signal that ended it, 0 if none */
	bool timed_out;
	int exec_errno; /* why exec failed, 0 if it ran */
	char out[OUT_MAX];
	size_t out_len;
};

struct linux_dirent64 {
	unsigned long long d_ino;
	long long d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

/*
 * Calls fn for every open fd >= 3. Raw getdents64 because it runs between
 * fork and exec, where opendir()'s malloc is not safe; without /proc it
 * walks the first 1024 fds.
 */
static void each_fd(void (*fn)(int fd, const void *ctx), const void *ctx)
{
	char buf[1024];
	long n;
	int dfd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dfd < 0) {
		for (int fd = 3; fd < 1024; fd++)
			if (fcntl(fd, F_GETFD) >= 0)
				fn(fd, ctx);
		return;
	}
	while ((n = syscall(SYS_getdents64, dfd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < n;) {
			struct linux_dirent64 *d = (void *)(buf + off);
			/* NOLINTNEXTLINE(cert-err34-c): names are decimal */
			int fd = atoi(d->d_name);

			if (d->d_name[0] != '.' && fd >= 3 && fd != dfd)
				fn(fd, ctx);
			off += d->d_reclen;
		}
	}
	close(dfd);
}

/* ctx: the one fd a tool may inherit */
static void set_cloexec_unless(int fd, const void *ctx)
{
	if (fd != *(const int *)ctx)
		fcntl(fd, F_SETFD, FD_CLOEXEC);
}

static bool in_list(int fd, const int *list)
{
	for (; *list != -1; list++)
		if (fd == *list)
			return true;
	return false;
}

/* The open fds of from[] (-1: none) as a -1-terminated list in out[n + 1]. */
static void keep_list(int *out, const int *from, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if (from[i] >= 0)
			out[k++] = from[i];
	out[k] = -1;
}

/* ctx: a -1-terminated list of the fds to keep */
static void close_unless(int fd, const void *ctx)
{
	if (!in_list(fd, ctx))
		close(fd);
}

/*
 * A helper's policy is SCHED_BATCH: it wakes for every read of LXC's log
 * and for every job, and a batch task's wakeup preempts no running task,
 * not lxc-start on its CPU, not the core in its call (the wakeup of a
 * pipe or socket reader is a sync one, which puts it on the writer's CPU).
 * The tools get SCHED_OTHER back. A raw system call: musl's wrapper only
 * says ENOSYS.
 */
static void set_policy(int policy, int prio)
{
	struct sched_param sp = { .sched_priority = prio };

	syscall(SYS_sched_setscheduler, 0, policy, &sp);
}

/* This process's policy and its priority (SCHED_OTHER if unknown). */
static int get_policy(int *prio)
{
	struct sched_param sp = { 0 };
	long policy = syscall(SYS_sched_getscheduler, 0);

	if (policy < 0 || syscall(SYS_sched_getparam, 0, &sp) < 0)
		policy = SCHED_OTHER;
	*prio = sp.sched_priority;
	return (int)policy;
}

/* The core's policy, which the tools get back: from the exec or the job */
static int tool_policy = SCHED_OTHER, tool_prio;

static void reset_signals(void)
{
	struct sigaction sa = { .sa_handler = SIG_DFL };
	sigset_t none;

	for (int sig = 1; sig < NSIG; sig++)
		sigaction(sig, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* Every fd from 3 on close-on-exec in one call (Linux 5.11); or false. */
static bool cloexec_from_3(void)
{
#ifdef SYS_close_range
	return syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) == 0;
#else
	return false;
#endif
}

static __attribute__((noreturn)) void exec_child(char *const argv[], int out,
						 int status, int inherit)
{
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int err;

	reset_signals();
	set_policy(tool_policy, tool_prio);
	if (null >= 0)
		dup2(null, 0);
	dup2(out, 1);
	dup2(out, 2);
	if (!cloexec_from_3())
		each_fd(set_cloexec_unless, &inherit);
	if (inherit >= 0)
		fcntl(inherit, F_SETFD, 0);
	execvp(argv[0], argv);
	err = errno;
	if (write(status, &err, sizeof(err)) < 0)
		_exit(126);
	_exit(127);
}

/*
 * Keeps the last OUT_MAX - 1 bytes: a failing tool says why at the end,
 * after whatever it printed before.
 */
static void keep_output(struct tool_result *r, const char *buf, size_t n)
{
	size_t cap = sizeof(r->out) - 1, drop;

	if (n >= cap) {
		memcpy(r->out, buf + n - cap, cap);
		r->out_len = cap;
	} else {
		drop = r->out_len + n > cap ? r->out_len + n - cap : 0;
		memmove(r->out, r->out + drop, r->out_len - drop);
		r->out_len -= drop;
		memcpy(r->out + r->out_len, buf, n);
		r->out_len += n;
	}
	r->out[r->out_len] = '\0';
}

static int pidfd_of(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	errno = ENOSYS;
	return -1;
#endif
}

static void note_status(struct tool_result *r, int st)
{
	if (WIFEXITED(st))
		r->exit_code = WEXITSTATUS(st);
	else if (WIFSIGNALED(st))
		r->signal = WTERMSIG(st);
}

/* Takes what is in the pipe now, without waiting for more. */
static void drain(int out, struct tool_result *r)
{
	char buf[4096];
	ssize_t n;

	fcntl(out, F_SETFL, O_NONBLOCK);
	while ((n = read(out, buf, sizeof(buf))) > 0)
		keep_output(r, buf, (size_t)n);
}

/* SIGKILL through the pidfd when there is one: the pid may be reused. */
static void kill_child(pid_t pid, int pfd)
{
#ifdef SYS_pidfd_send_signal
	if (pfd >= 0 && syscall(SYS_pidfd_send_signal, pfd, SIGKILL, NULL, 0) == 0)
		return;
#endif
	if (pfd < 0)
		kill(pid, SIGKILL);
}

/*
 * Reaps without blocking. Returns true once the child is gone: reaped here
 * (status noted) or by someone else, as when the core's SIGCHLD handler
 * got there first (ECHILD: status unknown).
 */
static bool try_reap(pid_t pid, struct tool_result *r)
{
	int st;
	pid_t got = waitpid(pid, &st, WNOHANG);

	if (got == pid) {
		note_status(r, st);
		return true;
	}
	return got < 0 && errno == ECHILD;
}

/*
 * An fd a helper must keep reading while it waits for a tool, and what
 * becomes of what it reads. Helpers are processes of their own, so a
 * file-level pair is theirs alone. The start helper relays LXC's log while
 * lxc-start runs: LXC logs most then, and an unread pipe blocks its
 * monitor, and the start. The stop helper drains the console (pass_relay
 * NULL: read and dropped): the core has closed its fds, and a container
 * that prints while it stops would block the monitor on a full PTY.
 */
static int pass_from = -1;
static struct log_relay *pass_relay;

/* Takes what there is, without waiting. False once pass_from ended. */
static bool pass_on(short revents)
{
	char buf[4096];
	ssize_t n;

	if (revents & POLLIN) {
		n = read(pass_from, buf, sizeof(buf));
		if (n > 0 && pass_relay)
			relay_feed(pass_relay, buf, (size_t)n);
		if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EINTR)))
			return true;
		return false;
	}
	return !(revents & (POLLHUP | POLLERR | POLLNVAL));
}

/*
 * Collects the child's output until it exits or the deadline passes, then
 * reaps it. The exit is watched through a pidfd, not through EOF alone,
 * because a daemonizing tool's descendants could hold the pipe open; on a
 * kernel without pidfd (before 5.3) the poll wakes every 20 ms to look.
 */
static void collect(pid_t pid, int out, long long deadline,
		    struct tool_result *r)
{
	int pfd = pidfd_of(pid), st;
	bool passing = pass_from >= 0;
	bool out_open = true, gone = false;
	char buf[4096];
	ssize_t n;

	/* ESRCH: already exited and reaped by the core */
	if (pfd < 0 && errno == ESRCH)
		gone = true;
	while (!gone) {
		struct pollfd fds[3] = { { out_open ? out : -1, POLLIN, 0 },
					 { pfd, POLLIN, 0 },
					 { passing ? pass_from : -1, POLLIN,
					   0 } };
		long long left = deadline - now_ms();

		if (left <= 0) {
			r->timed_out = true;
			kill_child(pid, pfd);
			break;
		}
		if (pfd < 0 && left > 20)
			left = 20;
		if (poll(fds, 3, (int)left) < 0 && errno != EINTR)
			break;
		if (fds[2].revents && !pass_on(fds[2].revents))
			passing = false; /* ended: nothing more will come */
		if (fds[0].revents) {
			n = read(out, buf, sizeof(buf));
			if (n > 0)
				keep_output(r, buf, (size_t)n);
			else if (n == 0 || errno != EINTR)
				out_open = false;
		}
		if ((pfd >= 0 && fds[1].revents) || (pfd < 0 && try_reap(pid, r)))
			gone = true;
	}
	if (out_open && !r->timed_out)
		drain(out, r);
	if (pfd >= 0)
		close(pfd);
	if (r->exit_code >= 0 || r->signal)
		return; /* reaped in the loop */
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR)
			return; /* reaped by someone else: status unknown */
	}
	note_status(r, st);
}

/*
 * A helper that stays (the relay, for the container's life) or waits (the
 * stop helper) gives back what it no longer uses: freed memory, and the
 * pages of the read-only file mappings (code and constants of the .so,
 * libc and the loader), which are shared with every other process and
 * come back from the page cache on the next touch. Writable mappings and
 * RELRO (read-only, but written by the loader: the one right below a
 * writable mapping of the same file) keep their pages.
 */
/* "lo-hi perms offset dev inode path" of /proc/self/maps */
static bool maps_line(const char *s, unsigned long *lo, unsigned long *hi,
		      char perms[8], unsigned long *ino)
{
	char *end;

	*lo = strtoul(s, &end, 16);
	if (*end != '-')
		return false;
	*hi = strtoul(end + 1, &end, 16);
	if (*end != ' ' || strlen(end + 1) < 5)
		return false;
	memcpy(perms, end + 1, 4);
	perms[4] = '\0';
	end += 5;
	for (int field = 0; field < 2; field++) { /* offset, device */
		while (*end == ' ')
			end++;
		end += strcspn(end, " \n");
	}
	*ino = strtoul(end, &end, 10);
	return true;
}

static void drop_unused_pages(void)
{
	struct {
		unsigned long lo, hi;
	} drop[64];
	unsigned long lo[2], hi[2], ino[2];
	char perms[2][8], maps[16384];
	size_t n_drop = 0, len = 0;
	ssize_t got;
	int fd, n = 0;

#ifdef __GLIBC__
	malloc_trim(0); /* musl's malloc gives freed memory back by itself */
#endif
	fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	while (len < sizeof(maps) - 1 &&
	       (got = read(fd, maps + len, sizeof(maps) - 1 - len)) > 0)
		len += (size_t)got;
	close(fd);
	maps[len] = '\0';
	/* decided a line late: RELRO is known by the line after it */
	for (char *line = maps, *next; n_drop < ARRAY_SIZE(drop); line = next) {
		bool more = *line != '\0';
		int k = n & 1, p = !k;

		next = strchr(line, '\n');
		next = next ? next + 1 : line + strlen(line);
		if (more && !maps_line(line, &lo[k], &hi[k], perms[k], &ino[k]))
			continue;
		if (n > 0 && ino[p] && perms[p][1] == '-' &&
		    perms[p][3] == 'p' &&
		    (perms[p][2] == 'x' || !more || ino[k] != ino[p] ||
		     lo[k] != hi[p] || perms[k][1] != 'w')) {
			drop[n_drop].lo = lo[p];
			drop[n_drop++].hi = hi[p];
		}
		if (!more)
			break;
		n++;
	}
	/* last, so that reading the list faults nothing back in */
	for (size_t i = 0; i < n_drop; i++)
		/* NOLINTNEXTLINE(performance-no-int-to-ptr): from the maps */
		madvise((void *)drop[i].lo, drop[i].hi - drop[i].lo,
			MADV_DONTNEED);
}

/*
 * The stop helper waits in collect() for lxc-stop: its pages are dropped
 * once the tool is forked, the last time it touches much of libc.
 */
static bool drop_after_fork;

/* What a tool's child needs; it reads it from the helper's memory. */
struct tool_child {
	char *const *argv;
	int out, status, inherit;
};

static int tool_child_fn(void *arg)
{
	const struct tool_child *c = arg;

	exec_child(c->argv, c->out, c->status, c->inherit);
}

/*
 * A tool's child shares the helper's memory until its execve(), as with
 * posix_spawn(): CLONE_VFORK holds the helper until then, and no page
 * tables are copied (a fork() took a few hundred microseconds more before
 * lxc-start could run). All signals stay blocked across the clone, so no
 * handler of the helper's runs in the child; exec_child() resets them.
 * Returns the pid or -errno.
 */
#define TOOL_STACK ((size_t)64 * 1024)

static pid_t spawn_tool(struct tool_child *c)
{
	sigset_t all, old;
	int err, saved = errno;
	char *stack;
	pid_t pid;

	stack = mmap(NULL, TOOL_STACK, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED)
		return -errno;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	pid = clone(tool_child_fn, stack + TOOL_STACK, /* stacks grow down */
		    CLONE_VM | CLONE_VFORK | SIGCHLD, c);
	err = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	munmap(stack, TOOL_STACK);
	/* the child wrote errno too, in the memory it shared */
	errno = pid < 0 ? err : saved;
	return pid < 0 ? -err : pid;
}

/*
 * The one way the plugin runs a tool: argv, a deadline, and an fd the tool
 * may inherit (-1 for none). Returns 0 when the tool ran (whatever its
 * result), -errno when it could not be started; r says the rest.
 */
static int run_tool(char *const argv[], int timeout_ms, int inherit,
		    struct tool_result *r)
{
	int out[2] = { -1, -1 }, status[2] = { -1, -1 };
	ssize_t n;
	pid_t pid;
	int ret = 0;

	memset(r, 0, sizeof(*r));
	r->exit_code = -1;
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(status, O_CLOEXEC) < 0) {
		ret = -errno;
		goto out;
	}
	pid = spawn_tool(
		&(struct tool_child){ argv, out[1], status[1], inherit });
	if (pid < 0) {
		ret = pid;
		goto out;
	}
	close_fd(&out[1]);
	close_fd(&status[1]);
	if (drop_after_fork)
		drop_unused_pages();
	do
		n = read(status[0], &r->exec_errno, sizeof(r->exec_errno));
	while (n < 0 && errno == EINTR);
	if (n != sizeof(r->exec_errno))
		r->exec_errno = 0;
	collect(pid, out[0], now_ms() + timeout_ms, r);
	if (r->exec_errno)
		ret = -r->exec_errno;
out:
	close_fd(&out[0]);
	close_fd(&out[1]);
	close_fd(&status[0]);
	close_fd(&status[1]);
	return ret;
}

/* --------------------------------------------------- tool output parsing */

/*
 * What the tools print, in one place:
 * - `lxc-info -p -H` prints the bare init pid and a newline while the
 *   container runs, nothing when it does not; exit 1 when LXC does not know
 *   the container (a -f config that is not at <lxcpath>/<name>/config is
 *   forgotten once the container stops).
 * - `lxc-stop` exits 0 when stopped, 2 when the container was not running,
 *   1 on failure.
 * - `lxc-start --version` prints "5.0.2" (possibly with a suffix).
 */
#define LXC_STOP_NOT_RUNNING 2

/* A positive pid alone on the output; -1 for anything else. */
static pid_t parse_pid(const char *out, size_t len)
{
	long long v = 0;
	size_t i = 0;

	while (i < len && isspace((unsigned char)out[i]))
		i++;
	if (i == len || !isdigit((unsigned char)out[i]))
		return -1;
	for (; i < len && isdigit((unsigned char)out[i]); i++) {
		v = v * 10 + (out[i] - '0');
		if (v > INT_MAX)
			return -1;
	}
	for (; i < len; i++)
		if (!isspace((unsigned char)out[i]))
			return -1;
	return v > 0 ? (pid_t)v : -1;
}

/* "X.Y[.Z][suffix]" as LXC_V3(X, Y, Z), or -1. */
static int parse_version(const char *out)
{
	unsigned int maj, min, pat = 0;
	int n;

	while (isspace((unsigned char)*out))
		out++;
	if (!isdigit((unsigned char)*out))
		return -1;
	/* NOLINTNEXTLINE(cert-err34-c): %3u cannot overflow; n is checked */
	n = sscanf(out, "%3u.%3u.%3u", &maj, &min, &pat);
	if (n < 2 || min > 99 || pat > 99 || maj > 99)
		return -1;
	return (int)LXC_V3(maj, min, pat);
}

/* Last line of a tool's output, cleaned for a log line. */
static const char *tool_said(struct tool_result *r)
{
	char *s = r->out;
	size_t len = r->out_len;

	while (len && isspace((unsigned char)s[len - 1]))
		s[--len] = '\0';
	for (size_t i = len; i > 0; i--)
		if (s[i - 1] == '\n') {
			s += i;
			break;
		}
	for (char *c = s; *c; c++)
		if ((unsigned char)*c < ' ')
			*c = ' ';
	return *s ? s : "(no output)";
}

/* One sentence on how a tool run ended, for log lines. */
static const char *tool_outcome(const struct tool_result *r, int ret,
				char *buf, size_t size)
{
	if (ret < 0)
		snprintf(buf, size, "could not run: %s", strerror(-ret));
	else if (r->timed_out)
		snprintf(buf, size, "timed out and was killed");
	else if (r->signal)
		snprintf(buf, size, "was killed by signal %d", r->signal);
	else
		snprintf(buf, size, "exited with %d", r->exit_code);
	return buf;
}

/* ----------------------------------------------------- argv construction */

struct argv_buf {
	char *v[ARGV_MAX];
	char num[16];
	char logopt[40];
	int n;
};

static void argv_add(struct argv_buf *a, const char *s)
{
	if (a->n < ARGV_MAX - 1)
		a->v[a->n++] = (char *)s;
	a->v[a->n] = NULL;
}

static void argv_common(struct argv_buf *a, const char *tool,
			const char *name, const char *lxcpath)
{
	a->n = 0;
	argv_add(a, tool);
	argv_add(a, "-n");
	argv_add(a, name);
	argv_add(a, "-P");
	argv_add(a, lxcpath);
}

/*
 * lxc-start -n N -P P -f CONFIG -d -o /proc/self/fd/LOG -l LEVEL
 * [-- INIT ARGS]. The log goes to an inherited pipe that LXC opens by its
 * /proc path (stock LXC takes no fd). -l is needed because with -o alone
 * lxc-start logs errors only; it is never above ERROR, whatever the core
 * asked for, because a failed start's reason is an ERROR line.
 */
static void build_start_argv(struct argv_buf *a, const char *name,
			     const char *lxcpath, const char *config,
			     int logfd, int level, char *const *init_argv)
{
	if (level < 0 || level > LXC_LOG_ERROR)
		level = LXC_LOG_ERROR;
	argv_common(a, "lxc-start", name, lxcpath);
	argv_add(a, "-f");
	argv_add(a, config);
	argv_add(a, "-d");
	snprintf(a->logopt, sizeof(a->logopt), "/proc/self/fd/%d", logfd);
	argv_add(a, "-o");
	argv_add(a, a->logopt);
	argv_add(a, "-l");
	argv_add(a, lxc_level_names[level]);
	if (!init_argv)
		return;
	argv_add(a, "--");
	for (; *init_argv; init_argv++)
		argv_add(a, *init_argv);
}

/* lxc-info -n N -P P -p -H */
static void build_info_argv(struct argv_buf *a, const char *name,
			    const char *lxcpath)
{
	argv_common(a, "lxc-info", name, lxcpath);
	argv_add(a, "-p");
	argv_add(a, "-H");
}

/*
 * lxc-stop -n N -P P --rcfile CONFIG -t T, or -k. The rcfile is what makes
 * lxc-stop use the platform's lxc.signal.halt: the config is not at
 * <lxcpath>/<name>/config, so lxc-stop would not read it otherwise.
 */
static void build_stop_argv(struct argv_buf *a, const char *name,
			    const char *lxcpath, const char *config,
			    int timeout_s, bool kill_it)
{
	argv_common(a, "lxc-stop", name, lxcpath);
	argv_add(a, "--rcfile");
	argv_add(a, config);
	if (kill_it) {
		argv_add(a, "-k");
		return;
	}
	snprintf(a->num, sizeof(a->num), "%d", timeout_s);
	argv_add(a, "-t");
	argv_add(a, a->num);
}

/* ------------------------------------------------------ host inspection */

enum cgroup_mode { CGROUP_LEGACY, CGROUP_HYBRID, CGROUP_UNIFIED };

/* The core's own rule, on a statfs result. */
static enum cgroup_mode cgroup_mode_of(long f_type, bool has_unified_dir)
{
	if ((unsigned long)f_type == CGROUP2_MAGIC)
		return CGROUP_UNIFIED;
	if (has_unified_dir)
		return CGROUP_HYBRID;
	return CGROUP_LEGACY;
}

static enum cgroup_mode host_cgroup_mode(void)
{
	struct statfs sfs;
	struct stat st;

	if (statfs("/sys/fs/cgroup/", &sfs) < 0)
		return CGROUP_LEGACY;
	return cgroup_mode_of((long)sfs.f_type,
			      stat("/sys/fs/cgroup/unified/", &st) == 0 &&
				      S_ISDIR(st.st_mode));
}

/*
 * Where a cgroup hierarchy of /proc/self/cgroup is mounted, by the usual
 * layout: v1 controllers at /sys/fs/cgroup/<controllers>, named ones at
 * /sys/fs/cgroup/<name>, v2 at /sys/fs/cgroup/unified on a hybrid host and
 * at /sys/fs/cgroup otherwise. Returns false for a line it cannot read.
 */
static bool cgroup_base_of(const char *line, bool hybrid, char *out,
			   size_t size)
{
	const char *ctrl = strchr(line, ':'), *path;
	size_t ctrl_len;

	if (!ctrl)
		return false;
	ctrl++;
	path = strchr(ctrl, ':');
	if (!path || path[1] != '/')
		return false;
	ctrl_len = (size_t)(path - ctrl);
	path++;
	if (!strcmp(path, "/"))
		path = "";
	if (ctrl_len == 0)
		return (size_t)snprintf(out, size, "/sys/fs/cgroup%s%s",
					hybrid ? "/unified" : "", path) < size;
	if (ctrl_len > 5 && !strncmp(ctrl, "name=", 5)) {
		ctrl += 5;
		ctrl_len -= 5;
	}
	return (size_t)snprintf(out, size, "/sys/fs/cgroup/%.*s%s",
				(int)ctrl_len, ctrl, path) < size;
}

/* Removes a cgroup folder and its sub-folders, leaf first; rmdir fails,
 * harmlessly, on any cgroup that still holds a process. */
/* NOLINTNEXTLINE(misc-no-recursion): depth is bounded (8) */
static void rmdir_cgroup_tree(const char *path, int depth)
{
	char sub[PATH_MAX];
	struct dirent *e;
	DIR *d;

	if (depth > 8 || !(d = opendir(path)))
		return;
	while ((e = readdir(d))) {
		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", path,
				     e->d_name) < sizeof(sub))
			rmdir_cgroup_tree(sub, depth + 1);
	}
	closedir(d);
	if (rmdir(path) == 0)
		plog(PV_LOG_INFO, "removed stale cgroup '%s'", path);
}

/*
 * Waits until the deadline for the processes of one cgroup to exit, on
 * their pidfds: when a start failed, lxc-start has returned while its
 * monitor may still be on its way out of lxc.monitor.<name>.
 */
static void wait_cgroup_exit(const char *path, long long deadline)
{
	char procs[PATH_MAX], line[32], *end;
	int fds[8], n = 0;
	long pid;
	FILE *f;

	if ((size_t)snprintf(procs, sizeof(procs), "%s/cgroup.procs", path) >=
		    sizeof(procs) ||
	    !(f = fopen(procs, "re")))
		return;
	while (n < 8 && fgets(line, sizeof(line), f)) {
		pid = strtol(line, &end, 10);
		if (pid > 0 && *end == '\n' &&
		    (fds[n] = pidfd_of((pid_t)pid)) >= 0)
			n++;
	}
	fclose(f);
	for (int i = 0; i < n; i++) {
		struct pollfd p = { .fd = fds[i], .events = POLLIN };
		long long left = deadline - now_ms();

		/* a signal only cuts the wait short: best effort */
		if (left > 0)
			poll(&p, 1, (int)left);
		close(fds[i]);
	}
}

/*
 * One stale cgroup tree, after waiting until the deadline (if any) for its
 * processes to leave; rmdir keeps every cgroup that still holds one. The
 * names are this platform's own, which is not running while it starts.
 */
static void remove_cgroup(const char *path, long long deadline)
{
	/* the usual case, none there, in one call; an empty leaf as well */
	if (rmdir(path) == 0) {
		plog(PV_LOG_INFO, "removed stale cgroup '%s'", path);
		return;
	}
	if (errno == ENOENT || errno == ENOTDIR)
		return;
	if (deadline)
		wait_cgroup_exit(path, deadline);
	rmdir_cgroup_tree(path, 0);
}

/*
 * Whether a cgroup folder's name is one LXC 4.0 and later gives the
 * container name: lxc.monitor.<name> or lxc.payload.<name> (returns 0), or
 * the same with -N, which LXC 4 picks while the plain one exists (returns
 * N). -1 for anything else. (5.0 and later with lxc.cgroup.dir.* use
 * lxc.monitor.<name> and lxc/<name> and never number them.)
 */
static long lxc_cgroup_of(const char *entry, const char *name)
{
	static const char *const kinds[] = { "lxc.monitor.", "lxc.payload." };
	size_t len = strlen(name);
	char *end;
	long n;

	for (size_t i = 0; i < 2; i++) {
		const char *rest = entry + strlen(kinds[i]);

		if (strncmp(entry, kinds[i], strlen(kinds[i])) ||
		    strncmp(rest, name, len))
			continue;
		rest += len;
		if (!*rest)
			return 0;
		if (rest[0] != '-' || !isdigit((unsigned char)rest[1]))
			return -1;
		n = strtol(rest + 1, &end, 10);
		return *end || n < 1 ? -1 : n;
	}
	return -1;
}

/*
 * LXC's cgroups of one container name directly below one cgroup folder.
 * Before a start (no deadline) only the plain names, which are what makes
 * 5.x fail: a few failed opens, no listing. After a failed start also
 * LXC 4's numbered ones, by listing the folder; a numbered one whose name
 * is that of another platform of ours (<name>-N, with its own runtime
 * folder) is that platform's, not a leftover of this one.
 */
static void remove_stale_cgroups_at(const char *base, const char *name,
				    bool fixed, long long deadline)
{
	static const char *const plain[] = { "lxc/", "lxc.monitor.",
					     "lxc.payload." };
	char dir[PATH_MAX], other[PATH_MAX];
	struct dirent *e;
	struct stat st;
	DIR *d;
	long n;

	/* fixed: the config names both, and LXC 4's payload name is out */
	for (size_t i = 0; i < (fixed ? 2 : 3); i++)
		if ((size_t)snprintf(dir, sizeof(dir), "%s/%s%s", base,
				     plain[i], name) < sizeof(dir))
			remove_cgroup(dir, deadline);
	if (!deadline || !(d = opendir(base)))
		return;
	while ((e = readdir(d))) {
		if (e->d_type != DT_DIR)
			continue;
		n = lxc_cgroup_of(e->d_name, name);
		if (n <= 0)
			continue; /* plain ones done above */
		if ((size_t)snprintf(other, sizeof(other), "%s/%s-%ld",
				     PV_LXCCLI_RUNDIR, name, n) <
			    sizeof(other) &&
		    stat(other, &st) == 0)
			continue;
		if ((size_t)snprintf(dir, sizeof(dir), "%s/%s", base,
				     e->d_name) < sizeof(dir))
			remove_cgroup(dir, deadline);
	}
	closedir(d);
}

/*
 * Where privileged LXC (every version) puts a container's cgroups in one
 * hierarchy: below the cgroup of /proc/1/cgroup, or of its own
 * /proc/self/cgroup with lxc.cgroup.relative = 1, and in both cases with a
 * last "/init.scope" cut off (systemd's PID 1 scope then stands for the
 * hierarchy's root). Returns the number of folders put in out: the cgroup
 * itself and, under systemd, the one above.
 */
static int lxc_bases_of(const char *line, bool hybrid, char out[2][PATH_MAX])
{
	static const char scope[] = "/init.scope";
	size_t n, s = sizeof(scope) - 1;

	if (!cgroup_base_of(line, hybrid, out[0], PATH_MAX))
		return 0;
	n = strlen(out[0]);
	if (n < s || strcmp(out[0] + n - s, scope))
		return 1;
	memcpy(out[1], out[0], n - s);
	out[1][n - s] = '\0';
	return 2;
}

/* The hierarchy's root folder, for a line of /proc/<pid>/cgroup. */
static bool cgroup_root_of(const char *line, bool hybrid, char *out,
			   size_t size)
{
	const char *ctrl = strchr(line, ':'), *path;
	char root[256];

	path = ctrl ? strchr(ctrl + 1, ':') : NULL;
	if (!path || (size_t)(path - line) + 3 > sizeof(root))
		return false;
	memcpy(root, line, (size_t)(path - line) + 1);
	strcpy(root + (path - line) + 1, "/");
	return cgroup_base_of(root, hybrid, out, size);
}

/*
 * LXC refuses to start while a fixed-name cgroup of a failed start is left
 * (5.0 and later: "File exists - Failed to create monitor cgroup"), and 4.x
 * numbers its way around them, so they pile up; the core removes them only
 * after it had to SIGKILL init. Looks everywhere LXC may have put them for
 * the hierarchies of one process: its cgroup and that less /init.scope, and
 * the root. A pure cgroup2 host uses only the unified line.
 */
static void remove_stale_cgroups_below(const char *proc_cgroup,
				       const char *done, const char *name,
				       enum cgroup_mode mode, bool fixed,
				       long long deadline)
{
	char line[PATH_MAX], dirs[2][PATH_MAX], root[PATH_MAX];
	bool hybrid = mode == CGROUP_HYBRID;
	FILE *f = fopen(proc_cgroup, "re");
	int n;

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (done && strstr(done, line))
			continue; /* same hierarchy and cgroup: swept */
		line[strcspn(line, "\n")] = '\0';
		if (mode == CGROUP_UNIFIED && !strstr(line, "::"))
			continue; /* a v1 line: not mounted in this view */
		n = lxc_bases_of(line, hybrid, dirs);
		for (int i = 0; i < n; i++)
			remove_stale_cgroups_at(dirs[i], name, fixed, deadline);
		if (n > 0 && cgroup_root_of(line, hybrid, root, PATH_MAX) &&
		    strcmp(root, dirs[n - 1]))
			remove_stale_cgroups_at(root, name, fixed, deadline);
	}
	fclose(f);
}

static int lxc_version_cached = -1;

/* LXC 5.0 on: lxc/<name> and lxc.monitor.<name>, as the config names them */
static bool stale_names_fixed(int version)
{
	return lxc_has(version, KEY_CGROUP_DIR);
}

/*
 * Privileged LXC works from PID 1's cgroups, or its own (relative): both.
 * wait_ms > 0 after a failed start: its monitor may still be in its
 * cgroup, so busy ones are waited for that long (helper processes only).
 */
static void remove_stale_cgroups(const char *name, int wait_ms)
{
	bool fixed = stale_names_fixed(lxc_version_cached);
	enum cgroup_mode mode = host_cgroup_mode();
	long long deadline = wait_ms > 0 ? now_ms() + wait_ms : 0;
	char init[4096] = "";
	ssize_t len;
	int fd;

	remove_stale_cgroups_below("/proc/1/cgroup", NULL, name, mode, fixed,
				   deadline);
	/* usually the same lines as PID 1's: those are not swept twice */
	fd = open("/proc/1/cgroup", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		len = read(fd, init, sizeof(init) - 1);
		init[len > 0 ? len : 0] = '\0';
		close(fd);
	}
	remove_stale_cgroups_below("/proc/self/cgroup", init, name, mode, fixed,
				   deadline);
}

/*
 * Asked by the start helper, once per core process: the helper reports the
 * version with its verdict and the core passes it to the next helpers. A
 * missing tool is reported on the pid pipe by the start itself.
 */
static int lxc_version(void)
{
	char *argv[] = { "lxc-start", "--version", NULL };
	struct tool_result r;
	char why[96];
	int ret, v;

	if (lxc_version_cached > 0)
		return lxc_version_cached;
	ret = run_tool(argv, 2000, -1, &r);
	/* the output decides: the core may have reaped the tool itself */
	if (ret < 0 || r.timed_out || r.out_len == 0) {
		plog(PV_LOG_WARN, "'lxc-start --version' %s; assuming LXC 3.0",
		     tool_outcome(&r, ret, why, sizeof(why)));
		/* a probe that ran (or hung) says the same next time; a
		 * missing tool may yet appear, and costs no wait */
		if (ret == 0)
			lxc_version_cached = LXC_V(3, 0);
		return LXC_V(3, 0);
	}
	v = parse_version(r.out);
	if (v < 0) {
		plog(PV_LOG_WARN,
		     "cannot read LXC version from '%s'; assuming LXC 3.0",
		     tool_said(&r));
		lxc_version_cached = LXC_V(3, 0);
		return LXC_V(3, 0);
	}
	lxc_version_cached = v;
	plog(PV_LOG_INFO, "stock LXC %d.%d.%d", v / 10000, v / 100 % 100,
	     v % 100);
	return v;
}

/* -------------------------------------------------- Pantavisor's init mode */

/*
 * The core decides its init mode from, in this order, later winning: its
 * config file (--config PATH, else /etc/pantavisor.config), the policy
 * file (/etc/pantavisor/policies/<PV_POLICY>.config), pv_<key>=<value>
 * tokens of --cmdline STR (else /proc/cmdline), the PV_* environment, and
 * the bare words pv_appengine, pv_embedded, pv_standalone on its command
 * line. The plugin runs inside that process and reads the same sources;
 * getpid() == 1 tells nothing (embedded mode runs in a child of PID 1).
 */
enum init_mode { MODE_EMBEDDED, MODE_STANDALONE, MODE_APPENGINE };

static const char *const mode_names[] = { "embedded", "standalone",
					  "appengine" };

/* A mode word; -1 for anything else. */
static int mode_of_word(const char *v, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(mode_names); i++)
		if (strlen(mode_names[i]) == len &&
		    !strncasecmp(v, mode_names[i], len))
			return (int)i;
	return -1;
}

/* One KEY=VALUE setting: the key, and the value without blanks or quotes. */
struct setting {
	const char *key, *val;
	size_t key_len, val_len;
};

static void trim(const char **s, size_t *len, const char *junk)
{
	while (*len && strchr(junk, **s)) {
		(*s)++;
		(*len)--;
	}
	while (*len && strchr(junk, (*s)[*len - 1]))
		(*len)--;
}

static bool split_setting(const char *s, size_t len, struct setting *out)
{
	const char *eq = memchr(s, '=', len);

	if (!eq)
		return false;
	out->key = s;
	out->key_len = (size_t)(eq - s);
	out->val = eq + 1;
	out->val_len = len - out->key_len - 1;
	trim(&out->key, &out->key_len, " \t");
	trim(&out->val, &out->val_len, " \t\"'");
	return out->key_len > 0;
}

static bool setting_is(const struct setting *st, const char *key)
{
	return st->key_len == strlen(key) &&
	       !strncasecmp(st->key, key, st->key_len);
}

/*
 * The last value a text of settings gives one of the keys (NULL-ended),
 * into out. Config files hold one a line; a command line (seps " \t\n")
 * holds them as words, with the keys lower case after "pv_".
 */
static bool last_setting(const char *text, const char *seps,
			 const char *const *keys, char *out, size_t size)
{
	struct setting st;
	bool found = false;

	for (const char *s = text; s && *s; s += strspn(s, seps)) {
		size_t len = strcspn(s, seps);

		if (split_setting(s, len, &st))
			for (const char *const *k = keys; *k; k++)
				if (setting_is(&st, *k)) {
					snprintf(out, size, "%.*s",
						 (int)st.val_len, st.val);
					found = true;
				}
		s += len;
	}
	return found;
}

static const char *const mode_file_keys[] = { "PV_SYSTEM_INIT_MODE",
					      "system.init.mode", NULL };
static const char *const mode_cmdline_keys[] = { "pv_system_init_mode",
						 "pv_system.init.mode", NULL };
static const char *const policy_file_keys[] = { "PV_POLICY", "policy",
						NULL };
static const char *const policy_cmdline_keys[] = { "pv_policy", NULL };

/* What the core would read, gathered so the decision is a pure function. */
struct mode_sources {
	const char *config;  /* text of the config file, NULL: none */
	const char *policy;  /* text of the policy file, NULL: none */
	const char *cmdline; /* kernel-style command line, NULL: none */
	const char *env;     /* $PV_SYSTEM_INIT_MODE, NULL: unset */
	int bare;	     /* mode of the last bare word, -1: none */
};

static void mode_from(int *mode, const char *text, const char *seps,
		      const char *const *keys)
{
	char v[32];
	int m;

	if (text && last_setting(text, seps, keys, v, sizeof(v)) &&
	    (m = mode_of_word(v, strlen(v))) >= 0)
		*mode = m;
}

static enum init_mode init_mode_of(const struct mode_sources *m)
{
	int mode = MODE_EMBEDDED, w;

	mode_from(&mode, m->config, "\n", mode_file_keys);
	mode_from(&mode, m->policy, "\n", mode_file_keys);
	mode_from(&mode, m->cmdline, " \t\n", mode_cmdline_keys);
	if (m->env && (w = mode_of_word(m->env, strlen(m->env))) >= 0)
		mode = w;
	if (m->bare >= 0)
		mode = m->bare;
	return (enum init_mode)mode;
}


/* The core's own command line: --config, --cmdline and the bare words. */
struct core_args {
	const char *config;
	const char *cmdline;
	int bare;
};

static void parse_core_args(char *args, size_t len, struct core_args *a)
{
	char *end = args + len;
	int w;

	a->config = a->cmdline = NULL;
	a->bare = -1;
	for (char *s = args; s < end; s += strlen(s) + 1) {
		char *next = s + strlen(s) + 1;

		if (!strcmp(s, "--config") && next < end)
			a->config = next;
		else if (!strcmp(s, "--cmdline") && next < end)
			a->cmdline = next;
		else if (!strncmp(s, "pv_", 3) &&
			 (w = mode_of_word(s + 3, strlen(s + 3))) >= 0)
			a->bare = w;
	}
}

/* The policy file the core would load, from the name it would take. */
static char *read_policy(const char *config, const char *cmdline)
{
	char name[PV_LXCCLI_NAME_MAX + 1] = "", path[PATH_MAX];
	const char *env = getenv("PV_POLICY");
	char *text = NULL;
	size_t len;

	if (config)
		last_setting(config, "\n", policy_file_keys, name,
			     sizeof(name));
	if (cmdline)
		last_setting(cmdline, " \t\n", policy_cmdline_keys, name,
			     sizeof(name));
	if (env)
		snprintf(name, sizeof(name), "%s", env);
	if (!name[0] || name_problem(name))
		return NULL;
	snprintf(path, sizeof(path), "/etc/pantavisor/policies/%s.config",
		 name);
	return read_file(path, &text, &len) ? NULL : text;
}

static int cached_mode = -1;
static pid_t mode_core_pid; /* a helper reads the core's command line */

/*
 * The core's mode, read once per process: it cannot change while the core
 * runs. A few small reads, no tool.
 */
static enum init_mode host_init_mode(void)
{
	char *args = NULL, *config = NULL, *policy = NULL, *kcmd = NULL;
	struct mode_sources m = { 0 };
	struct core_args a = { 0 };
	size_t len = 0, n;
	char cmdline[64];

	if (cached_mode >= 0)
		return (enum init_mode)cached_mode;
	snprintf(cmdline, sizeof(cmdline), "/proc/%d/cmdline",
		 mode_core_pid > 0 ? (int)mode_core_pid : (int)getpid());
	if (read_proc(cmdline, &args, &len) == 0)
		parse_core_args(args, len, &a);
	else
		a.bare = -1;
	read_file(a.config ? a.config : "/etc/pantavisor.config", &config,
		  &n);
	if (!a.cmdline && read_proc("/proc/cmdline", &kcmd, &n) == 0)
		a.cmdline = kcmd;
	policy = read_policy(config, a.cmdline);
	m.config = config;
	m.policy = policy;
	m.cmdline = a.cmdline;
	m.env = getenv("PV_SYSTEM_INIT_MODE");
	m.bare = a.bare;
	cached_mode = (int)init_mode_of(&m);
	plog(PV_LOG_INFO, "Pantavisor runs in %s mode",
	     mode_names[cached_mode]);
	free(args);
	free(config);
	free(policy);
	free(kcmd);
	return (enum init_mode)cached_mode;
}

/* ------------------------------------------- injected state and settings */

enum path_fn {
	P_FILE,
	P_LOG,
	P_LOG_PLAT,
	P_LOG_FILE,
	P_USRMETA,
	P_USRMETA_PLAT,
	P_DEVMETA,
	P_DEVMETA_PLAT,
	P_LIB_HOOK,
	P_VOLUMES_PLAT,
	P_CONFIGS,
	P_ROOTFS_MOUNT,
	P_LXCPATH,
	P_COUNT
};

static const char *const path_fn_names[P_COUNT] = {
	"pv_file",	  "pv_log",	     "pv_log_plat",
	"pv_log_file",	  "usrmeta_key",     "usrmeta_plat_key",
	"devmeta_key",	  "devmeta_plat_key", "lib_hook",
	"volumes_plat_file", "configs_file", "lib_lxc_rootfs_mount",
	"lib_lxc_lxcpath",
};

static void *path_fns[P_COUNT];
static void *pv_instance_fn;
static int conf_loglevel = 2;
static bool conf_capture = true;

/* Paths the plugin uses, with the functions that build them. */
struct paths {
	char lxcpath[PATH_MAX];
	char rootfs_mount[PATH_MAX];
	char hooks_dir[PATH_MAX];
};

static int check_path(const char *what, const char *path)
{
	const char *why = path_problem(path);

	if (why) {
		plog(PV_LOG_ERROR, "path '%s' from %s %s", path, what, why);
		return -EINVAL;
	}
	return 0;
}

/* Calls a path builder; 'a' and 'b' are its string arguments if any. */
static int build_path(enum path_fn which, char *buf, size_t size,
		      const char *a, const char *b)
{
	void *fn = path_fns[which];

	buf[0] = '\0';
	if (!fn) {
		plog(PV_LOG_ERROR, "path function %s was never injected",
		     path_fn_names[which]);
		return -ENOSYS;
	}
	switch (which) {
	case P_ROOTFS_MOUNT:
	case P_LXCPATH:
		((pv_path0_fn)fn)(buf, size);
		break;
	case P_LOG_PLAT:
	case P_USRMETA_PLAT:
	case P_DEVMETA_PLAT:
	case P_VOLUMES_PLAT:
		((pv_path2_fn)fn)(buf, size, a, b);
		break;
	default:
		((pv_path1_fn)fn)(buf, size, a);
		break;
	}
	buf[size - 1] = '\0';
	return check_path(path_fn_names[which], buf);
}

/* -------------------------------------------------- mounts and hooks */

struct role_mount {
	enum path_fn fn;
	const char *arg; /* first string argument; NULL means the platform */
	const char *dst;
	bool is_file;
};

static const struct role_mount mgmt_mounts[] = {
	{ P_FILE, "", "pantavisor", false },
	{ P_LOG, "", "pantavisor/logs", false },
	{ P_USRMETA, "", "pantavisor/user-meta", false },
	{ P_DEVMETA, "", "pantavisor/device-meta", false },
};

static const struct role_mount app_mounts[] = {
	{ P_FILE, "pv-ctrl-log", "pantavisor/pv-ctrl-log", true },
	{ P_FILE, "pv-ctrl", "pantavisor/pv-ctrl", true },
	{ P_LOG_PLAT, NULL, "pantavisor/logs", false },
	{ P_USRMETA_PLAT, NULL, "pantavisor/user-meta", false },
	{ P_DEVMETA_PLAT, NULL, "pantavisor/device-meta", false },
};

/*
 * Stock LXC fails the start on a missing bind source (no origin=mkdir), so
 * the start helper creates folder sources (prepare_mount), not the call.
 */
static int resolve_role_mount(const struct role_mount *rm, const char *rev,
			      const char *name, struct mount_ent *m)
{
	const char *a = rm->arg;
	const char *b = "";
	int ret;

	if (rm->fn == P_LOG_PLAT) {
		a = rev;
		b = name;
	} else if (!a) {
		a = name;
	}
	ret = build_path(rm->fn, m->src, sizeof(m->src), a, b);
	if (ret)
		return ret;
	snprintf(m->dst, sizeof(m->dst), "%s", rm->dst);
	m->opts = rm->is_file ? "bind,rw,create=file" : "bind,ro,create=dir";
	return 0; /* the source is made by the start helper: prepare_mount() */
}

/*
 * A folder source is created when missing; a missing file (the core's
 * control sockets) is the core's to create: the entry stays, the start
 * will say so. The other mounts' sources were found to exist.
 */
static int prepare_mount(const struct mount_ent *m)
{
	int ret;

	if (strstr(m->opts, "create=file") && access(m->src, F_OK) < 0)
		plog(PV_LOG_WARN, "control file '%s' does not exist", m->src);
	if (!strstr(m->opts, "create=dir"))
		return 0;
	ret = mkdir_parents(m->src, 0755);
	if (ret)
		plog(PV_LOG_ERROR, "cannot create mount source '%s': %s",
		     m->src, strerror(-ret));
	return ret;
}

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Host facts the mounts depend on, passed in so tests can choose them. */
struct host_facts {
	const char *firmware_dir;
	const char *modules_dir; /* core 2026.08 binds the host's modules */
	const char *dev_log;
	const char *release; /* uname -r */
};

static void add_mount(struct mount_ent *m, size_t *n, const char *src,
		      const char *dst, const char *opts)
{
	snprintf(m[*n].src, sizeof(m[*n].src), "%s", src);
	snprintf(m[*n].dst, sizeof(m[*n].dst), "%s", dst);
	m[(*n)++].opts = opts;
}

/*
 * The modules to bind: the host's own (core 2026.08's liblxc plugin) or
 * the BSP's modules volume (2026.01). 1 when present, 0 when not, -errno.
 */
static int modules_source(const struct host_facts *h, char *buf,
			  size_t size)
{
#if PV_LXCCLI_CORE >= PV_LXCCLI_CORE_2026_08
	if ((size_t)snprintf(buf, size, "%s/%s", h->modules_dir, h->release) >=
		    size ||
	    path_problem(buf))
		return 0;
	return is_dir(buf);
#else
	int ret;

	(void)h;
	ret = build_path(P_VOLUMES_PLAT, buf, size, "bsp", "modules.squashfs");
	if (ret)
		return ret;
	return access(buf, F_OK) == 0;
#endif
}

static int resolve_mounts(const struct pv_platform *p, const char *rev,
			  const struct host_facts *h, struct mount_ent *m,
			  size_t *n)
{
	bool mgmt = p->roles & PLAT_ROLE_MGMT;
	const struct role_mount *rm = mgmt ? mgmt_mounts : app_mounts;
	size_t count = mgmt ? ARRAY_SIZE(mgmt_mounts) : ARRAY_SIZE(app_mounts);
	char src[PATH_MAX], dst[96];
	int ret;

	*n = 0;
	for (size_t i = 0; i < count; i++) {
		ret = resolve_role_mount(&rm[i], rev, p->name, &m[*n]);
		if (ret)
			return ret;
		(*n)++;
	}
#if PV_LXCCLI_CORE >= PV_LXCCLI_CORE_2026_08
	/* stat, not lstat: a dangling /dev/log link would fail the start */
	if (p->std_log && h->dev_log && !path_problem(h->dev_log) &&
	    access(h->dev_log, F_OK) == 0)
		add_mount(m, n, h->dev_log, "dev/log", "bind,create=file");
#endif
	if (!p->automodfw)
		return 0;
	if (is_dir(h->firmware_dir) && !path_problem(h->firmware_dir))
		add_mount(m, n, h->firmware_dir, "lib/firmware",
			  "bind,ro,create=dir");
	if (!h->release || !*h->release || value_problem(h->release) ||
	    strpbrk(h->release, " \t/"))
		return 0;
	ret = modules_source(h, src, sizeof(src));
	if (ret <= 0)
		return ret;
	snprintf(dst, sizeof(dst), "lib/modules/%s", h->release);
	add_mount(m, n, src, dst, "bind,ro,create=dir");
	return 0;
}

/* The core's rule: export.sh* hooks only run for a platform with exports. */
static bool hook_wanted(const char *entry, bool export)
{
	if (entry[0] == '.')
		return false;
	return export || strncmp(entry, "export.sh", 9) != 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_strs(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
}

/* Full paths of the wanted hooks, sorted by name. */
static int list_hooks(const char *dir, bool export, char **out, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[PATH_MAX];
	int ret = 0;

	*n = 0;
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(d))) {
		if (!hook_wanted(e->d_name, export))
			continue;
		if (*n == HOOKS_MAX) {
			/* a subset would depend on readdir order: refuse */
			plog(PV_LOG_ERROR, "more than %d hooks in '%s'",
			     HOOKS_MAX, dir);
			ret = -E2BIG;
			break;
		}
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
				     e->d_name) >= sizeof(path) ||
		    check_path("lib_hook", path)) {
			ret = -EINVAL;
			break;
		}
		out[*n] = strdup(path);
		if (!out[*n]) {
			ret = -ENOMEM;
			break;
		}
		(*n)++;
	}
	closedir(d);
	if (ret) {
		free_strs(out, *n);
		*n = 0;
		return ret;
	}
	qsort(out, *n, sizeof(*out), cmp_str);
	return 0;
}

/* ---------------------------------------------------------- mount targets */

/*
 * Stock LXC refuses a mount target that crosses a symlink inside the
 * rootfs; Pantavisor's fork resolves it inside the rootfs at mount time,
 * and real images rely on that (etc/resolv.conf -> ../run/..., Debian's
 * var/run -> /run, merged-/usr lib -> usr/lib). Before start every layer of
 * a folder rootfs is a folder on the host, so the plugin resolves the
 * target itself, the way overlayfs will merge the layers, and hands LXC a
 * path without links.
 */

#define LAYERS_MAX 8
#define LINKS_MAX 40 /* the kernel's MAXSYMLINKS */

struct rootfs_layers {
	size_t n;
	char dir[LAYERS_MAX][PATH_MAX]; /* host folders, top layer first */
};

/* Rootfs types that are no folder on the host before LXC mounts them. */
static const char *const nonfolder_types[] = {
	"loop:", "nbd:", "rbd:", "zfs:", "btrfs:", "lvm:",
};

/* One layer of a spec, which must be an absolute path. */
static int add_layer(struct rootfs_layers *out, const char *s, size_t len)
{
	if (len == 0 || s[0] != '/')
		return -EINVAL;
	if (len >= PATH_MAX)
		return -ENAMETOOLONG;
	if (out->n == LAYERS_MAX)
		return -E2BIG;
	memcpy(out->dir[out->n], s, len);
	out->dir[out->n++][len] = '\0';
	return 0;
}

/* "L1:L2:...:UPPER" as UPPER, L1, L2, ...: overlayfs's own order. */
static int overlay_layers(const char *s, struct rootfs_layers *out)
{
	const char *upper = strrchr(s, ':');
	const char *end;
	int ret;

	if (!upper)
		return -EINVAL; /* LXC needs an upper layer too */
	ret = add_layer(out, upper + 1, strlen(upper + 1));
	for (; !ret && s <= upper; s = end + 1) {
		end = strchr(s, ':');
		ret = add_layer(out, s, (size_t)(end - s));
	}
	return ret;
}

/*
 * An lxc.rootfs.path value as the folders the container will see, top
 * first: "overlayfs:L1:L2:...:UPPER" and "overlay:..." give UPPER, L1, L2,
 * ... (the leftmost lower is the top lower; the config-overlay folder, when
 * inserted, is L1); "dir:/x" or a plain "/x" that is a folder gives /x.
 * Returns 1 when filled, 0 when the rootfs is not a folder before start
 * (loop:, nbd:, rbd:, zfs:, btrfs:, lvm:, a block device, a regular file
 * such as a squashfs image, an empty spec), -EINVAL for a malformed spec or
 * a relative layer (the plugin's working directory is not the config's),
 * -ENAMETOOLONG or -E2BIG for a layer too long or too many layers.
 */
static int rootfs_layers_of(const char *spec,
					 struct rootfs_layers *out)
{
	int ret;

	out->n = 0;
	if (!spec || !*spec)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(nonfolder_types); i++)
		if (!strncmp(spec, nonfolder_types[i],
			     strlen(nonfolder_types[i])))
			return 0;
	if (!strncmp(spec, "overlayfs:", 10))
		ret = overlay_layers(spec + 10, out);
	else if (!strncmp(spec, "overlay:", 8))
		ret = overlay_layers(spec + 8, out);
	else if (!strncmp(spec, "dir:", 4))
		ret = add_layer(out, spec + 4, strlen(spec + 4));
	else if (spec[0] == '/' && !is_dir(spec))
		return 0; /* a block device, an image file, nothing yet */
	else
		ret = add_layer(out, spec, strlen(spec));
	if (ret)
		out->n = 0;
	return ret ? ret : 1;
}

/*
 * The state of one resolution. cur is the rootfs-relative path resolved so
 * far (no links in it), of depth components; its first dirs components are
 * folders in the merged view, and mask[d] is the set of layers (bit i for
 * dir[i]) merged into the folder at depth d. Below dirs the path does not
 * exist yet and is only extended as written.
 */
struct walk {
	const struct rootfs_layers *l;
	char cur[PATH_MAX];
	size_t len, depth, dirs;
	unsigned char mask[PATH_MAX / 2 + 1];
	char rest[PATH_MAX]; /* still to walk, from pos */
	size_t pos;
	int links;
};

enum found_kind { F_NONE, F_DIR, F_LINK, F_OTHER };

struct found {
	enum found_kind kind;
	unsigned char mask;  /* F_DIR: the layers merged into it */
	char path[PATH_MAX]; /* F_LINK: the link on the host */
};

/* dir[i]/cur/name on the host. */
static int layer_path(const struct walk *w, size_t i, const char *name,
		      size_t nlen, char *buf)
{
	int n = snprintf(buf, PATH_MAX, "%s/%s%s%.*s", w->l->dir[i], w->cur,
			 w->len ? "/" : "", (int)nlen, name);

	return n < PATH_MAX ? 0 : -ENAMETOOLONG;
}

/* An opaque folder hides the same-named folders of the lower layers. */
static bool is_opaque(const char *path)
{
	static const char *const names[] = { "trusted.overlay.opaque",
					     "user.overlay.opaque" };
	char v[2];

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (lgetxattr(path, names[i], v, sizeof(v)) == 1 && v[0] == 'y')
			return true;
	return false;
}

/*
 * Looks name up in the folder cur as overlayfs merges it: the top layer
 * that has the name decides, a folder merges with the folders below it
 * down to a non-folder or an opaque folder. An overlay whiteout (a
 * character device 0/0) needs no case of its own: like any non-folder it
 * hides the name below, and the path under it does not exist either way.
 */
static int lookup(const struct walk *w, const char *name, size_t nlen,
		  struct found *f)
{
	unsigned char in = w->mask[w->depth];
	char path[PATH_MAX];
	struct stat st;

	f->kind = F_NONE;
	f->mask = 0;
	for (size_t i = 0; i < w->l->n; i++) {
		if (!(in & (1u << i)))
			continue;
		if (layer_path(w, i, name, nlen, path))
			return -ENAMETOOLONG;
		if (lstat(path, &st) < 0) {
			if (errno == ENOENT || errno == ENOTDIR)
				continue;
			return -errno;
		}
		if (f->kind == F_DIR && !S_ISDIR(st.st_mode))
			break;
		if (!S_ISDIR(st.st_mode)) {
			f->kind = S_ISLNK(st.st_mode) ? F_LINK : F_OTHER;
			strcpy(f->path, path);
			break;
		}
		f->kind = F_DIR;
		f->mask |= (unsigned char)(1u << i);
		/* opaque hides the layers below: the lowest has none */
		if (i + 1 < w->l->n && is_opaque(path))
			break;
	}
	return 0;
}

static int walk_append(struct walk *w, const char *name, size_t nlen)
{
	size_t sep = w->len ? 1 : 0;

	if (w->len + sep + nlen >= sizeof(w->cur))
		return -ENAMETOOLONG;
	if (sep)
		w->cur[w->len++] = '/';
	memcpy(w->cur + w->len, name, nlen);
	w->len += nlen;
	w->cur[w->len] = '\0';
	w->depth++;
	return 0;
}

/* '..': never above the root. */
static void walk_up(struct walk *w)
{
	char *slash;

	if (w->depth == 0)
		return;
	slash = strrchr(w->cur, '/');
	w->len = slash ? (size_t)(slash - w->cur) : 0;
	w->cur[w->len] = '\0';
	w->depth--;
	if (w->dirs > w->depth)
		w->dirs = w->depth;
}

/* Puts the link's target in front of what is still to walk. */
static int follow_link(struct walk *w, const char *link)
{
	char target[PATH_MAX];
	ssize_t tlen = readlink(link, target, sizeof(target));
	size_t left = strlen(w->rest + w->pos);

	if (tlen < 0)
		return -errno;
	if (++w->links > LINKS_MAX)
		return -ELOOP;
	if ((size_t)tlen + 1 + left >= sizeof(w->rest))
		return -ENAMETOOLONG;
	memmove(w->rest + tlen + 1, w->rest + w->pos, left + 1);
	memcpy(w->rest, target, (size_t)tlen);
	w->rest[tlen] = '/';
	w->pos = 0;
	if (target[0] == '/') {
		w->len = w->depth = w->dirs = 0;
		w->cur[0] = '\0';
	}
	return 0;
}

/* One component; the link case leaves cur at the link's folder. */
static int walk_step(struct walk *w, const char *name, size_t nlen)
{
	struct found f;
	int ret;

	if (nlen == 0 || (nlen == 1 && name[0] == '.'))
		return 0;
	if (nlen == 2 && !strncmp(name, "..", 2)) {
		walk_up(w);
		return 0;
	}
	if (w->depth > w->dirs)
		return walk_append(w, name, nlen);
	ret = lookup(w, name, nlen, &f);
	if (ret)
		return ret;
	if (f.kind == F_LINK)
		return follow_link(w, f.path);
	ret = walk_append(w, name, nlen);
	if (ret || f.kind != F_DIR)
		return ret;
	w->mask[w->depth] = f.mask;
	w->dirs = w->depth;
	return 0;
}

/* Walks path from the root; with no layers this only normalises it. */
static int walk_path(struct walk *w, const struct rootfs_layers *l,
		     const char *path)
{
	size_t nlen;
	int ret;

	if (strlen(path) >= sizeof(w->rest))
		return -ENAMETOOLONG;
	strcpy(w->rest, path);
	w->l = l;
	w->len = w->depth = w->dirs = w->pos = 0;
	w->cur[0] = '\0';
	w->mask[0] = (unsigned char)((1u << l->n) - 1);
	w->links = 0;
	while (w->rest[w->pos]) {
		const char *name = w->rest + w->pos;

		nlen = strcspn(name, "/");
		w->pos += nlen + (name[nlen] == '/');
		/* name stays valid: a link moves rest only when it returns */
		ret = walk_step(w, name, nlen);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Resolves the rootfs-relative mount target as Pantavisor's LXC fork does
 * at mount time, against the layers as overlayfs will merge them. Writes
 * the result ("." for the root) to out. 1 when a link was crossed (the
 * result differs from the normalised target), 0 when not, -ELOOP,
 * -ENAMETOOLONG, -EINVAL for an absolute or empty target, -errno when a
 * layer cannot be read.
 */
static int resolve_target(const struct rootfs_layers *l,
				       const char *target, char *out,
				       size_t size)
{
	/* no layers: lexical normalisation; bss, not 32 KiB of .rodata */
	static struct rootfs_layers none;
	char plain[PATH_MAX];
	struct walk w;
	int ret;

	if (!target || !*target || target[0] == '/' || l->n == 0 ||
	    l->n > LAYERS_MAX)
		return -EINVAL;
	ret = walk_path(&w, &none, target);
	if (ret)
		return ret;
	strcpy(plain, w.cur);
	ret = walk_path(&w, l, target);
	if (ret)
		return ret;
	if ((size_t)snprintf(out, size, "%s", w.len ? w.cur : ".") >= size)
		return -ENAMETOOLONG;
	return strcmp(w.cur, plain) != 0;
}

/*
 * The fields of an lxc.mount.entry value (fstab format, split on blanks):
 * pointers into the value and their lengths; rest = everything after the
 * options field (dump and pass numbers), possibly empty. An absent field
 * is an empty string.
 */
struct mount_fields {
	const char *src, *dst, *type, *opts, *rest;
	size_t src_len, dst_len, type_len, opts_len, rest_len;
};

/* The next blank-separated field of s[*pos..len), or an empty one. */
static void next_field(const char *s, size_t len, size_t *pos, const char **f,
		       size_t *flen)
{
	while (*pos < len && (s[*pos] == ' ' || s[*pos] == '\t'))
		(*pos)++;
	*f = s + *pos;
	*flen = 0;
	while (*pos < len && s[*pos] != ' ' && s[*pos] != '\t') {
		(*pos)++;
		(*flen)++;
	}
}

/* 0 when at least src, dst and type are present, -EINVAL otherwise. */
static int split_mount_entry(const char *val, size_t len,
					  struct mount_fields *f)
{
	size_t pos = 0;

	next_field(val, len, &pos, &f->src, &f->src_len);
	next_field(val, len, &pos, &f->dst, &f->dst_len);
	next_field(val, len, &pos, &f->type, &f->type_len);
	next_field(val, len, &pos, &f->opts, &f->opts_len);
	next_field(val, len, &pos, &f->rest, &f->rest_len);
	/* the rest runs to the last non-blank */
	for (size_t end = pos; end < len; end++)
		if (val[end] != ' ' && val[end] != '\t')
			f->rest_len = (size_t)(val + end + 1 - f->rest);
	return f->src_len && f->dst_len && f->type_len ? 0 : -EINVAL;
}

/*
 * The value with its target replaced by dst, everything else verbatim
 * (single blanks between fields). 0, or -ENAMETOOLONG.
 */
static int mount_entry_with_target(const struct mount_fields *f,
						const char *dst, char *out,
						size_t size)
{
	int n = snprintf(out, size, "%.*s %s %.*s%s%.*s%s%.*s", (int)f->src_len,
			 f->src, dst, (int)f->type_len, f->type,
			 f->opts_len ? " " : "", (int)f->opts_len, f->opts,
			 f->rest_len ? " " : "", (int)f->rest_len, f->rest);

	return n >= 0 && (size_t)n < size ? 0 : -ENAMETOOLONG;
}

/* Creates the folder an overlay option names. 1 when created, 0, -errno. */
static int make_overlay_dir(const struct mount_fields *f, const char *opt,
			    const char *v, size_t vlen)
{
	char path[PATH_MAX];
	int ret;

	if (vlen >= sizeof(path)) {
		plog(PV_LOG_ERROR,
		     "the %s of the overlay mount on '%.*s' is too long", opt,
		     (int)f->dst_len, f->dst);
		return -ENAMETOOLONG;
	}
	memcpy(path, v, vlen);
	path[vlen] = '\0';
	/* a relative folder is LXC's own business, below its lxcpath */
	if (path_problem(path) || is_dir(path))
		return 0;
	ret = mkdir_parents(path, 0755);
	if (!ret && !is_dir(path))
		ret = -ENOTDIR;
	if (ret) {
		plog(PV_LOG_ERROR,
		     "cannot create the %s '%s' of the overlay mount on "
		     "'%.*s': %s",
		     opt, path, (int)f->dst_len, f->dst, strerror(-ret));
		return ret;
	}
	return 1;
}

/*
 * For an entry of type "overlay": the folders its upperdir= and workdir=
 * options name (only absolute paths) are created when missing (mkdir -p,
 * 0755), because stock LXC creates them only below <lxcpath>/<name> and
 * the fork everywhere. Returns the number created, 0 for another type or
 * when both exist, -errno (logged) when one cannot be created.
 */
static int make_overlay_entry_dirs(const struct mount_fields *f)
{
	static const char *const opts[] = { "upperdir", "workdir" };
	const char *o = f->opts, *end = f->opts + f->opts_len;
	int made = 0, ret;

	if (f->type_len != 7 || strncmp(f->type, "overlay", 7))
		return 0;
	for (const char *c; o < end; o = c + 1) {
		size_t olen;

		c = memchr(o, ',', (size_t)(end - o));
		if (!c)
			c = end;
		for (size_t i = 0; i < ARRAY_SIZE(opts); i++) {
			olen = strlen(opts[i]);
			if ((size_t)(c - o) <= olen ||
			    strncmp(o, opts[i], olen) || o[olen] != '=')
				continue;
			ret = make_overlay_dir(f, opts[i], o + olen + 1,
					       (size_t)(c - o) - olen - 1);
			if (ret < 0)
				return ret;
			made += ret;
		}
	}
	return made;
}

/* ------------------------------------------------ platform config lines */

/*
 * The platform's config goes to LXC line by line as written, except what
 * stock LXC would refuse or get wrong where Pantavisor's LXC fork did not:
 * keys only the fork knows (stock LXC refuses the whole config for one),
 * mount targets that cross a symlink inside the rootfs (the fork resolves
 * them at mount time, stock LXC fails the start), origin=mkdir (a fork
 * option) and overlay entries whose upper or work folder is missing. A
 * changed line is kept above its replacement as a comment, so the config
 * still shows what the platform asked for.
 */
static const char *const fork_only_keys[] = { "lxc.tty.min",
					      "lxc.rootfs.bdev_type", NULL };

struct line_plan {
	const char *name;
	const struct rootfs_layers *layers; /* NULL: not folders yet */
	FILE *out;
};

static void put_line(FILE *out, const char *s, size_t len)
{
	fwrite(s, 1, len, out);
	fputc('\n', out);
}

/* origin=mkdir: the source folder made here, the option dropped for LXC. */
static int plan_origin_mkdir(const struct line_plan *lp,
			     struct mount_fields *f, char *opts, size_t size)
{
	char src[PATH_MAX];
	size_t o = 0;
	bool found = false;
	int ret;

	for (const char *s = f->opts, *end = f->opts + f->opts_len; s < end;) {
		const char *c = memchr(s, ',', (size_t)(end - s));
		size_t n = (size_t)((c ? c : end) - s);

		if (n == 12 && !memcmp(s, "origin=mkdir", 12))
			found = true;
		else if (o + n + 2 < size)
			o += (size_t)snprintf(opts + o, size - o, "%s%.*s",
					      o ? "," : "", (int)n, s);
		s += n + (c ? 1 : 0);
	}
	if (!found)
		return 0;
	snprintf(src, sizeof(src), "%.*s", (int)f->src_len, f->src);
	if (src[0] == '/' && !path_problem(src)) {
		ret = mkdir_parents(src, 0755);
		if (ret) {
			plog(PV_LOG_ERROR, "cannot create mount source '%s' "
					   "(origin=mkdir) of '%s': %s",
			     src, lp->name, strerror(-ret));
			return ret;
		}
	}
	f->opts = opts;
	f->opts_len = o;
	return 1;
}

/*
 * A target resolved inside the rootfs, as the fork would mount it: 1 and
 * dst when it changed, 0 when it stays as written. The links come from
 * the image, so what they lead to is checked like any other value before
 * it reaches a config line.
 */
static int resolve_in_rootfs(const struct rootfs_layers *layers,
			     const char *target, const char *name, char *dst,
			     size_t size)
{
	int ret = resolve_target(layers, target, dst, size);

	if (ret == -ELOOP)
		plog(PV_LOG_WARN, "mount target '%s' of '%s' loops through "
				  "symlinks in the rootfs: left to LXC",
		     target, name);
	if (ret <= 0)
		return 0;
	if (value_problem(dst) || strpbrk(dst, " \t")) {
		plog(PV_LOG_WARN, "mount target '%s' of '%s' leads through a "
				  "link in the rootfs to a path with blanks or "
				  "control characters: left to LXC",
		     target, name);
		return 0;
	}
	return 1;
}

static int plan_target(const struct line_plan *lp,
		       const struct mount_fields *f, char *dst, size_t size)
{
	char target[PATH_MAX];

	if (!lp->layers || f->dst_len == 0 || f->dst[0] == '/' ||
	    f->dst_len >= sizeof(target))
		return 0;
	snprintf(target, sizeof(target), "%.*s", (int)f->dst_len, f->dst);
	return resolve_in_rootfs(lp->layers, target, lp->name, dst, size);
}

static int plan_mount_line(const struct line_plan *lp, const char *line,
			   size_t len, const struct cfg_line *l)
{
	char opts[1024], dst[PATH_MAX], val[PATH_MAX * 2];
	struct mount_fields f;
	int mk, moved, ret;

	if (split_mount_entry(l->val, l->val_len, &f)) {
		put_line(lp->out, line, len);
		return 0;
	}
	ret = make_overlay_entry_dirs(&f);
	if (ret < 0)
		return ret;
	mk = plan_origin_mkdir(lp, &f, opts, sizeof(opts));
	if (mk < 0)
		return mk;
	moved = plan_target(lp, &f, dst, sizeof(dst));
	if (!moved && !mk) {
		put_line(lp->out, line, len);
		return 0;
	}
	if (!moved)
		snprintf(dst, sizeof(dst), "%.*s", (int)f.dst_len, f.dst);
	if (mount_entry_with_target(&f, dst, val, sizeof(val)))
		return -ENAMETOOLONG;
	fprintf(lp->out, "# pv_lxccli: %s%s%s:\n# %.*s\nlxc.mount.entry = %s\n",
		moved ? "target resolved inside the rootfs" : "",
		moved && mk ? ", " : "", mk ? "origin=mkdir done" : "",
		(int)len, line, val);
	return 0;
}

static int plan_line(const struct line_plan *lp, const char *line,
		     size_t len)
{
	struct cfg_line l;

	if (split_cfg_line(line, len, &l) != 1) {
		put_line(lp->out, line, len);
		return 0;
	}
	if (key_in(&l, fork_only_keys)) {
		plog(PV_LOG_WARN, "'%.*s' of '%s' is a key of Pantavisor's LXC "
				  "fork, unknown to stock LXC: commented out",
		     (int)l.key_len, l.key, lp->name);
		fprintf(lp->out, "# pv_lxccli: key of Pantavisor's LXC fork "
				 "only: %.*s\n",
			(int)len, line);
		return 0;
	}
	if (key_is(&l, "lxc.mount.entry"))
		return plan_mount_line(lp, line, len, &l);
	if (key_is(&l, "lxc.mount.fstab") || key_is(&l, "lxc.include"))
		plog(PV_LOG_INFO, "mount entries in '%.*s' of '%s' reach LXC "
				  "as written (targets not resolved)",
		     (int)l.val_len, l.val, lp->name);
	put_line(lp->out, line, len);
	return 0;
}

/* The platform's text as LXC gets it, into a new buffer (*out, freed by
 * the caller). */
static int plan_lines(const char *name, const struct rootfs_layers *layers,
		      const char *text, size_t len, char **out,
		      size_t *out_len)
{
	struct line_plan lp = { name, layers, NULL };
	const char *s = text, *end = text + len;
	int ret = 0;

	lp.out = open_memstream(out, out_len);
	if (!lp.out)
		return -ENOMEM;
	while (s < end && !ret) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t n = (size_t)((nl ? nl : end) - s);

		ret = plan_line(&lp, s, n);
		s += n + (nl ? 1 : 0);
	}
	if (fclose(lp.out) && !ret)
		ret = -ENOMEM;
	if (ret) {
		free(*out);
		*out = NULL;
	}
	return ret;
}

/* ----------------------------------------------------- console registry */

/*
 * What the start helper tells the plugin (status_wr), before the core gets
 * the pid: the LXC version, asked once per core process, and whether the
 * PTY the plugin opened goes unused.
 */
struct start_verdict {
	pid_t pid;
	int lxc_version; /* 0: not known */
	int console_none;
	int own_init; /* the pid was found, not printed: see "init, found" */
	int halt;     /* see cfg_halt_signal */
	pid_t monitor; /* init's parent, when own_init */
	int mode;      /* Pantavisor's init mode, -1: not known */
};


enum ent_state { ENT_STARTING, ENT_RUNNING };

/*
 * One entry per platform name between start and stop. Until getfd, the
 * entry owns the PTY pair; getfd hands both to the core and the entry keeps
 * a duplicate of the master, because the core closes its copies before it
 * calls stop and the last master closing would hang up LXC's monitor and
 * SIGKILL the container. status_rd hears the start helper's verdict.
 */
struct console_ent {
	struct console_ent *next;
	char name[PV_LXCCLI_NAME_MAX + 1];
	enum ent_state state;
	pid_t pid;
	char conf_dir[PATH_MAX]; /* lxc-stop reads the config from there too */
	int master, slave, keep, status_rd;
	bool own_init; /* init was found, not printed: see "init, found" */
	int halt;      /* cfg_halt_signal of its config */
	pid_t monitor; /* init's parent then */
};

static struct console_ent *ents;

static struct console_ent *ent_find(const char *name)
{
	for (struct console_ent *e = ents; e; e = e->next)
		if (!strcmp(e->name, name))
			return e;
	return NULL;
}

static void ent_free(struct console_ent *e)
{
	struct console_ent **pp;

	for (pp = &ents; *pp; pp = &(*pp)->next)
		if (*pp == e) {
			*pp = e->next;
			break;
		}
	close_fd(&e->master);
	close_fd(&e->slave);
	close_fd(&e->keep);
	close_fd(&e->status_rd);
	free(e);
}

/*
 * A container that ended without a stop (a crash) leaves the kept master
 * with nobody on the other side once its monitor is gone (POLLHUP: every
 * slave closed). Releasing it earlier would hang the monitor up.
 */
static void release_if_hung_up(struct console_ent *e)
{
	struct pollfd pfd = { e->keep, POLLIN, 0 };

	if (e->keep < 0 || e->master >= 0 || poll(&pfd, 1, 0) != 1 ||
	    !(pfd.revents & POLLHUP))
		return;
	plog(PV_LOG_DEBUG, "releasing console of '%s': its container is gone",
	     e->name);
	close_fd(&e->keep);
}

/*
 * Takes in what start helpers reported since the last call: a failed start
 * releases its PTY here, so it is never handed out. Also releases the
 * console of a container that is gone.
 */
static void ents_sweep(void)
{
	struct console_ent *e = ents, *next;
	struct start_verdict v;
	ssize_t n;

	for (; e; e = next) {
		next = e->next;
		if (e->state != ENT_STARTING) {
			release_if_hung_up(e);
			continue;
		}
		n = read(e->status_rd, &v, sizeof(v));
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n == sizeof(v) && v.lxc_version > 0)
			lxc_version_cached = v.lxc_version;
		/* read once per core process, as the version is */
		if (n == sizeof(v) && v.mode >= 0 &&
		    v.mode < (int)ARRAY_SIZE(mode_names))
			cached_mode = v.mode;
		if (n == sizeof(v) && v.pid > 0) {
			e->state = ENT_RUNNING;
			e->pid = v.pid;
			e->own_init = v.own_init != 0;
			e->halt = v.halt;
			e->monitor = v.monitor;
			close_fd(&e->status_rd);
			if (v.console_none) {
				close_fd(&e->master);
				close_fd(&e->slave);
			}
			continue;
		}
		plog(PV_LOG_DEBUG, "releasing console of failed start of '%s'",
		     e->name);
		ent_free(e);
	}
}

/* ------------------------------------------------ one instance at a time */

/*
 * The core starts a name again as soon as kill(init, 0) fails: after a
 * stop, after a crash, on a restart or an update. By then the old
 * instance may still be finishing: its LXC monitor (post-stop hooks,
 * cgroups), its stop helper. Two locks in the runtime folder say so:
 * "instance" is held by the start helper, which stays as LXC's log relay
 * until the monitor exits (the log pipe's end); "stop" is held by a stop
 * helper for its whole life, so a late "lxc-stop -k" can never hit the
 * next instance. A start helper takes both before lxc-start, in the
 * helper, never in the core's call.
 */
#define LOCK_INSTANCE "instance.lock"
#define LOCK_STOP "stop.lock"

static void on_lock_alarm(int sig)
{
	(void)sig; /* only interrupts flock() */
}

/*
 * Opens and locks <rundir>/<name>/<file>, waiting at most timeout_s.
 * The fd, or -errno (-EINTR: the deadline passed).
 */
static int lock_instance(const char *name, const char *file, int timeout_s)
{
	struct sigaction sa = { .sa_handler = on_lock_alarm }, old;
	char path[PATH_MAX];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/%s/%s", run_dir(), name, file);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY,
		  0600);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return fd;
	/* no SA_RESTART: the alarm ends the wait with EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, &old);
	alarm((unsigned int)timeout_s);
	if (flock(fd, LOCK_EX) < 0)
		ret = -errno;
	alarm(0);
	sigaction(SIGALRM, &old, NULL);
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

/* <rundir>/<name>, made if missing, opened without following a link. */
static int open_runtime_dir(const char *name)
{
	char dir[PATH_MAX];
	int dfd;

	snprintf(dir, sizeof(dir), "%s/%s", run_dir(), name);
	dfd = open_dir_nofollow(dir);
	if (dfd < 0)
		plog(PV_LOG_ERROR, "runtime folder '%s': %s", dir,
		     strerror(-dfd));
	return dfd;
}

/*
 * Waits until the previous instance of the name is gone: its stop helper
 * (then released) and its monitor (the lock kept, for this instance's
 * life). The fd to keep, or -1 when the wait failed (logged).
 */
static int wait_previous_instance(const char *name)
{
	int stop, inst;

	/* a first start: the folder the config goes to, made without links */
	stop = open_runtime_dir(name);
	if (stop < 0)
		return -1;
	close(stop);
	stop = lock_instance(name, LOCK_STOP, PV_LXCCLI_START_TIMEOUT);
	if (stop < 0)
		goto fail;
	close(stop);
	inst = lock_instance(name, LOCK_INSTANCE, PV_LXCCLI_START_TIMEOUT);
	if (inst >= 0)
		return inst;
	stop = inst;
fail:
	if (stop == -EINTR)
		plog(PV_LOG_ERROR, "previous instance of '%s' still there "
				   "after %d s: its monitor or stop did not "
				   "end",
		     name, PV_LXCCLI_START_TIMEOUT);
	else
		plog(PV_LOG_ERROR, "cannot lock '%s/%s' for '%s': %s",
		     run_dir(), name, name, strerror(-stop));
	return -1;
}

/* ------------------------------------------------------------ init, found */

/*
 * lxc-start -d forks twice: its middle process exits and leaves LXC's
 * monitor, which clones init into new namespaces. The start helper is a
 * child subreaper, so the monitor becomes its child then. Once lxc-start
 * has returned (the container is RUNNING), init is the one child of that
 * one child, and pid 1 of a pid namespace of its own (NSpid). That is the
 * pid lxc-info prints, found without a tool run (3 to 5 ms, most of it
 * liblxc's start-up). It is taken only when all of it holds; anything else
 * (a kernel without /proc/PID/task/TID/children, a shared pid namespace, a
 * stray child) asks lxc-info, as before.
 */
static const char *proc_root = "/proc"; /* the unit tests set their own */

/* The one child of pid's main thread; -1 when it has none or several. */
static pid_t only_child(pid_t pid)
{
	char path[96], *buf, *end;
	pid_t ret = -1;
	size_t len;
	long v;

	snprintf(path, sizeof(path), "%s/%d/task/%d/children", proc_root,
		 (int)pid, (int)pid);
	if (read_proc(path, &buf, &len))
		return -1;
	errno = 0;
	v = strtol(buf, &end, 10);
	while (*end == ' ' || *end == '\n')
		end++;
	if (!errno && end != buf && !*end && v > 1 && v <= INT_MAX)
		ret = (pid_t)v;
	free(buf);
	return ret;
}

/* What the plugin reads of an init's /proc/PID/status. */
struct init_status {
	pid_t ppid;
	bool ns_init; /* pid 1 of a pid namespace below ours: "NSpid: 42 1" */
	unsigned long long blocked; /* SigBlk */
};

static bool ns_init_line(char *line, pid_t pid)
{
	char *tok, *save = NULL;
	bool one = false, self = false;
	int fields = 0;

	line[strcspn(line, "\n")] = '\0';
	for (tok = strtok_r(line, " \t", &save); tok;
	     tok = strtok_r(NULL, " \t", &save)) {
		if (fields++ == 0)
			self = strtol(tok, NULL, 10) == (long)pid;
		one = !strcmp(tok, "1");
	}
	return self && one && fields >= 2;
}

static bool read_init_status(pid_t pid, struct init_status *st)
{
	char path[64], *buf, *line;
	size_t len;

	snprintf(path, sizeof(path), "%s/%d/status", proc_root, (int)pid);
	if (read_proc(path, &buf, &len))
		return false;
	memset(st, 0, sizeof(*st));
	if ((line = strstr(buf, "\nPPid:")))
		st->ppid = (pid_t)strtol(line + 6, NULL, 10);
	if ((line = strstr(buf, "\nSigBlk:")))
		st->blocked = strtoull(line + 8, NULL, 16);
	if ((line = strstr(buf, "\nNSpid:")))
		st->ns_init = ns_init_line(line + 7, pid);
	free(buf);
	return true;
}

static bool is_ns_init(pid_t pid)
{
	struct init_status st;

	return read_init_status(pid, &st) && st.ns_init;
}

/* init of the container the helper's lxc-start left, or -1. */
static pid_t init_below(pid_t self, pid_t *monitor)
{
	pid_t init;

	*monitor = only_child(self);
	if (*monitor < 0)
		return -1;
	init = only_child(*monitor);
	return init > 0 && is_ns_init(init) ? init : -1;
}

/*
 * The relay is the monitor's parent: once the log has ended (the monitor
 * is exiting then) it waits for the monitor's exit, so that the instance
 * lock is held until then. While the container runs the relay ignores
 * SIGCHLD, so the kernel reaps the monitor and whatever was left to it;
 * after a failed start the helper reaps what has exited, and what still
 * runs goes to the next reaper when the helper exits.
 */
static void reap_left_children(int monitor_fd)
{
	struct pollfd pfd = { monitor_fd, POLLIN, 0 };

	if (monitor_fd >= 0)
		while (poll(&pfd, 1, 1000) < 0 && errno == EINTR)
			;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

/* ---------------------------------------------------------- helpers */

/*
 * Helpers are not copies of the core: fork() copies the page tables of the
 * whole process, 13 to 38 ms inside the call for a core with 256 MB, and a
 * copy left behind as the log relay keeps the core's pages alive. The
 * plugin's .so is a program as well (entry point pv_lxccli_entry, see
 * "helper program"), and a helper is that program, exec'd through two
 * clone(CLONE_VM | CLONE_VFORK) children: they share the core's memory, so
 * nothing is copied, and the core waits only until the second one has
 * called execve(). The middle one then exits and is reaped here (or by the
 * core's SIGCHLD handler: ECHILD), and the helper is re-parented to init,
 * or to the core when it is PID 1 or a subreaper, both of which reap: no
 * zombie is left whether or not the core reaps.
 *
 * What the helper needs arrives in a job (a memfd of NUL-terminated
 * strings, "job wire" below) and in the fds of the job, the only ones it
 * inherits: every fd of the core is close-on-exec, or closed by the helper.
 */
#define HELPER_ARGV0 "pv_lxccli-helper"
#define SPAWN_STACK ((size_t)64 * 1024)

/* The program a helper runs: the .so itself; the unit tests set their own. */
static char helper_exe[PATH_MAX];

static const char *helper_path(void)
{
	Dl_info info;

	if (helper_exe[0])
		return helper_exe;
	if (!dladdr((void *)plog, &info) || !info.dli_fname ||
	    !info.dli_fname[0])
		return NULL;
	snprintf(helper_exe, sizeof(helper_exe), "%s", info.dli_fname);
	return helper_exe;
}

struct spawn_req {
	const char *path;
	char *const *argv;
	const int *keep; /* -1-terminated: the fds the helper inherits */
	char *stack2;	 /* top of the helper's stack until its execve */
	int err;	 /* set by the children, whose memory is ours */
};

/*
 * The helper before its execve(), in the core's memory with every signal
 * blocked (so no handler of the core runs here); only system calls.
 */
static int spawn_exec_fn(void *arg)
{
	struct spawn_req *r = arg;

	setsid(); /* out of the core's terminal and its Ctrl-C */
	for (const int *k = r->keep; *k != -1; k++)
		fcntl(*k, F_SETFD, 0);
	execve(r->path, r->argv, environ);
	r->err = errno;
	_exit(127);
}

static int spawn_middle_fn(void *arg)
{
	struct spawn_req *r = arg;

	if (clone(spawn_exec_fn, r->stack2, CLONE_VM | CLONE_VFORK | SIGCHLD,
		  r) < 0)
		r->err = errno;
	_exit(0);
}

/* Starts the helper program, waiting for its execve(); 0 or -errno. */
static int spawn_helper_waiting(char *const argv[], const int *keep)
{
	struct spawn_req r = { .argv = argv, .keep = keep };
	sigset_t all, old;
	char *stack;
	pid_t mid;
	int st, err = 0;

	r.path = helper_path();
	if (!r.path)
		return -ENOEXEC;
	stack = mmap(NULL, 2 * SPAWN_STACK, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED)
		return -errno;
	r.stack2 = stack + 2 * SPAWN_STACK; /* stacks grow down */
	/* for the few microseconds until the helper's execve() */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	mid = clone(spawn_middle_fn, stack + SPAWN_STACK,
		    CLONE_VM | CLONE_VFORK | SIGCHLD, &r);
	if (mid < 0)
		err = errno;
	else
		waitpid(mid, &st, 0);
	sigprocmask(SIG_SETMASK, &old, NULL);
	munmap(stack, 2 * SPAWN_STACK);
	if (mid < 0)
		return -err;
	return r.err ? -r.err : 0;
}

/*
 * The core need not wait for the helper's execve() either: the middle
 * child starts it without CLONE_VFORK and exits, so the core waits for one
 * short child only. The helper then runs in the core's memory until its
 * execve(), alongside the core, so everything it reads (path, argv, a copy
 * of the environment) and its stack are in an area of its own, which the
 * core unmaps once the kernel has cleared area->tid (CLONE_CHILD_CLEARTID:
 * at the helper's execve() or exit). It makes only system calls, which
 * touch no memory of the core's on success; a failed execve() sets the
 * core's errno too (glibc's wrappers), a harmless race on a broken install.
 */
#define SPAWN_AREAS 16

struct spawn_area {
	volatile pid_t tid; /* non-zero until the helper has left our memory */
	int err;
	int report;	    /* the pid pipe, for -1 if its execve() fails */
	int keep[8];
	size_t len;	    /* of the mapping */
	char *argv[8];
	char **envp;
	char path[PATH_MAX];
	char strings[];     /* argv, then the environment, then the stacks */
};

static struct spawn_area *areas[SPAWN_AREAS];

/* Unmaps the areas of helpers that have exec'd; logs one that failed. */
static void spawn_areas_sweep(void)
{
	for (size_t i = 0; i < SPAWN_AREAS; i++) {
		struct spawn_area *a = areas[i];

		if (!a || a->tid)
			continue;
		if (a->err)
			plog(PV_LOG_ERROR, "cannot run the helper '%s': %s",
			     a->path, strerror(a->err));
		munmap(a, a->len);
		areas[i] = NULL;
	}
}

static int spawn_free_fn(void *arg)
{
	struct spawn_area *a = arg;
	pid_t failed = -1;

	setsid();
	for (const int *k = a->keep; *k != -1; k++)
		fcntl(*k, F_SETFD, 0);
	execve(a->path, a->argv, a->envp);
	a->err = errno;
	if (a->report >= 0 && write(a->report, &failed, sizeof(failed)) < 0)
		a->err = a->err ? a->err : EIO;
	_exit(127);
}

static int spawn_free_middle_fn(void *arg)
{
	struct spawn_area *a = arg;
	char *top = (char *)a + a->len; /* the helper's stack, at the top */

	if (clone(spawn_free_fn, top, CLONE_VM | CLONE_CHILD_CLEARTID | SIGCHLD,
		  a, NULL, NULL, &a->tid) < 0) {
		a->err = errno;
		a->tid = 0;
		_exit(1); /* the status says it where memory is not shared */
	}
	_exit(0);
}

/* The area: argv and the environment copied, room for two stacks. */
static struct spawn_area *area_new(const char *path, char *const argv[],
				   const int *keep, int report)
{
	size_t n_env = 0, need = sizeof(struct spawn_area), n_arg = 0, k = 0;
	struct spawn_area *a;
	char *p, **env;

	for (; argv[n_arg]; n_arg++)
		need += strlen(argv[n_arg]) + 1;
	for (; environ && environ[n_env]; n_env++)
		need += strlen(environ[n_env]) + 1 + sizeof(char *);
	need += sizeof(char *) * 2 + 2 * SPAWN_STACK;
	need = (need + 4095) & ~(size_t)4095;
	if (n_arg >= ARRAY_SIZE(a->argv) || strlen(path) >= sizeof(a->path))
		return NULL;
	a = mmap(NULL, need, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (a == MAP_FAILED)
		return NULL;
	a->len = need;
	a->tid = -1;
	a->report = report;
	strcpy(a->path, path);
	for (; k < ARRAY_SIZE(a->keep) - 1 && keep[k] != -1; k++)
		a->keep[k] = keep[k];
	a->keep[k] = -1;
	/* the struct's size is a multiple of a pointer's alignment */
	env = (char **)(void *)a->strings;
	p = (char *)(env + n_env + 1);
	for (size_t i = 0; i < n_env; i++) {
		env[i] = strcpy(p, environ[i]);
		p += strlen(p) + 1;
	}
	env[n_env] = NULL;
	a->envp = env;
	for (size_t i = 0; i < n_arg; i++) {
		a->argv[i] = strcpy(p, argv[i]);
		p += strlen(p) + 1;
	}
	a->argv[n_arg] = NULL;
	return a;
}

/*
 * A core that reaps every child needs no middle: the helper is its child,
 * cloned without any wait, and the core's SIGCHLD handler reaps it when it
 * ends. Pantavisor reaps so as PID 1 in every core, and core 2026.08 in
 * appengine mode too; the kernel reaps for a core that ignores SIGCHLD.
 * Without a handler (core 2026.01 in appengine mode) the middle stays.
 */
static bool core_reaps_children(void)
{
	struct sigaction sa;

	if (sigaction(SIGCHLD, NULL, &sa) < 0)
		return false;
	if (sa.sa_handler == SIG_IGN || (sa.sa_flags & SA_NOCLDWAIT))
		return true;
	if (!(sa.sa_flags & SA_SIGINFO) && sa.sa_handler == SIG_DFL)
		return false;
	return getpid() == 1 || PV_LXCCLI_CORE >= PV_LXCCLI_CORE_2026_08;
}

/*
 * valgrind ends the whole process on a clone(CLONE_VM) that is not a
 * thread ("does not support general clone()"); in the middle, a fork copy
 * under valgrind, that ends only the middle, which spawn_helper handles.
 */
static bool under_valgrind(void)
{
	const char *p = getenv("LD_PRELOAD");

	return p && strstr(p, "vgpreload");
}

/* The helper as the core's own child; 0, or -errno. */
static int spawn_direct(struct spawn_area *a)
{
	sigset_t all, old;
	pid_t pid;
	int err;

	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	pid = clone(spawn_free_fn, (char *)a + a->len,
		    CLONE_VM | CLONE_CHILD_CLEARTID | SIGCHLD, a, NULL, NULL,
		    &a->tid);
	err = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	return pid < 0 ? -err : 0;
}

/*
 * Starts the helper program with argv; 0 once it is on its way (a failed
 * execve() is then logged at the next call, and reported as -1 on report,
 * the pid pipe, when there is one), or -errno.
 */
static int spawn_helper(char *const argv[], const int *keep, int report)
{
	struct spawn_area *a;
	sigset_t all, old;
	size_t slot;
	pid_t mid;
	int st, err = 0;

	spawn_areas_sweep();
	for (slot = 0; slot < SPAWN_AREAS && areas[slot]; slot++)
		;
	if (!helper_path())
		return -ENOEXEC;
	a = slot < SPAWN_AREAS ? area_new(helper_exe, argv, keep, report) :
				 NULL;
	if (!a) /* sixteen helpers not exec'd yet, or no memory */
		return spawn_helper_waiting(argv, keep);
	if (core_reaps_children() && !under_valgrind()) {
		err = spawn_direct(a);
		if (err) {
			munmap(a, a->len);
			return err;
		}
		areas[slot] = a;
		return 0;
	}
	/* blocked until the middle is reaped here, so its status is ours */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	mid = clone(spawn_free_middle_fn, (char *)a + a->len - SPAWN_STACK,
		    CLONE_VM | CLONE_VFORK | SIGCHLD, a);
	if (mid < 0)
		err = errno;
	else if (waitpid(mid, &st, 0) != mid)
		st = 0;
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (mid < 0) {
		munmap(a, a->len);
		return -err;
	}
	if (!a->tid && a->err) { /* no clone, or an execve that failed */
		err = a->err;
		munmap(a, a->len);
		return -err;
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 1) {
		/* a middle that was a copy (valgrind turns CLONE_VM with
		 * CLONE_VFORK into a fork) could not start the helper */
		munmap(a, a->len);
		return spawn_helper_waiting(argv, keep);
	}
	areas[slot] = a;
	return 0;
}

/* ---- job wire: what a helper is told, as NUL-terminated strings */

#define JOB_MAGIC "pv_lxccli-job-1"

struct wire {
	char *buf;
	size_t len, cap;
	bool failed;
};

static void put_str(struct wire *w, const char *v)
{
	size_t n = strlen(v ? v : "") + 1;
	char *grown;

	if (w->failed)
		return;
	if (w->len + n > w->cap) {
		size_t cap = (w->cap ? w->cap * 2 : 4096) + n;

		grown = realloc(w->buf, cap);
		if (!grown) {
			w->failed = true;
			return;
		}
		w->buf = grown;
		w->cap = cap;
	}
	memcpy(w->buf + w->len, v ? v : "", n);
	w->len += n;
}

static void put_int(struct wire *w, long long v)
{
	char num[24];

	snprintf(num, sizeof(num), "%lld", v);
	put_str(w, num);
}

/* The job in a sealed-size memfd the helper reads; the fd, or -errno. */
static int wire_to_fd(struct wire *w)
{
	int fd, err;

	if (w->failed)
		return -ENOMEM;
	fd = (int)syscall(SYS_memfd_create, "pv_lxccli-job", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, w->buf, w->len) != (ssize_t)w->len) {
		err = errno ? errno : EIO;
		close(fd);
		return -err;
	}
	return fd;
}

struct wire_rd {
	const char *p, *end;
	bool bad;
};

static const char *get_str(struct wire_rd *r)
{
	const char *v = r->p, *nul;

	if (r->bad || r->p >= r->end ||
	    !(nul = memchr(r->p, '\0', (size_t)(r->end - r->p)))) {
		r->bad = true;
		return "";
	}
	r->p = nul + 1;
	return v;
}

/* NULL for "": the wire has no NULL */
static const char *get_opt(struct wire_rd *r)
{
	const char *v = get_str(r);

	return *v ? v : NULL;
}

static long long get_int(struct wire_rd *r)
{
	const char *v = get_str(r);
	char *end;
	long long n = strtoll(v, &end, 10);

	if (!*v || *end)
		r->bad = true;
	return n;
}

static void get_path(struct wire_rd *r, char *out, size_t size)
{
	if ((size_t)snprintf(out, size, "%s", get_str(r)) >= size)
		r->bad = true;
}

/* ---- the forker: the one helper that is exec'd ahead of time */

/*
 * An exec'd helper spends about 0.8 ms in its execve() and its loader
 * before it does any work, and that is on the path from the call to the
 * pid. So when the plugin is loaded (pv_set_pv_paths_fn) one helper more
 * is started ahead of time: the forker. It waits on a socket for what a
 * helper would be exec'd with (argv, the environment, the fds to keep),
 * forks, and the child runs the job (run_job) as an exec'd helper would. A
 * fork of the forker, a small process, takes about 0.15 ms, and the call
 * only sends one message.
 *
 * The core's end of the socket is close-on-exec and is the plugin's for
 * the life of the process; the forker ends when it reads EOF, when the
 * core is gone. A core that finds the forker gone (EPIPE) starts another
 * in the call; after FORKER_DEATHS of them, or for a message that cannot
 * be sent, helpers are exec'd one by one (spawn_helper).
 */
#define FORKER_ARG "forker"
#define FORKER_MSG_MAX ((size_t)64 * 1024)
#define FORKER_FDS 8
#define FORKER_DEATHS 3
#define TITLE_ROOM 160 /* a job's argv, see set_title */

static int forker_sock = -1;
static pid_t forker_owner; /* a fork of the core has the socket too */
static int forker_deaths;
/*
 * PV_LXCCLI_FORKER=0 in the core's environment: every helper exec'd, as
 * before the forker (one that runs is let go).
 */
static bool forker_unwanted(void)
{
	const char *v = getenv("PV_LXCCLI_FORKER");

	if (!v || strcmp(v, "0"))
		return false;
	close_fd(&forker_sock);
	return true;
}

/* Starts a forker; 0, or -errno. */
static int forker_spawn(void)
{
	char num[16], room[TITLE_ROOM + 1];
	char *argv[] = { HELPER_ARGV0, num, FORKER_ARG, room, NULL };
	int sv[2], keep[2], ret;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	/* a core with stdio closed: not where stdio goes in a helper */
	for (int i = 0; i < 2; i++)
		if (sv[i] < 3 && (ret = fcntl(sv[i], F_DUPFD_CLOEXEC, 3)) >= 0) {
			close(sv[i]);
			sv[i] = ret;
		}
	if (sv[0] < 3 || sv[1] < 3) {
		close(sv[0]);
		close(sv[1]);
		return -EMFILE;
	}
	snprintf(num, sizeof(num), "%d", sv[1]);
	/* argv is where ps reads a process's title: room for a job's */
	memset(room, '.', TITLE_ROOM);
	room[TITLE_ROOM] = '\0';
	keep[0] = sv[1];
	keep[1] = -1;
	ret = spawn_helper(argv, keep, -1);
	close(sv[1]);
	if (ret) {
		close(sv[0]);
		return ret;
	}
	forker_sock = sv[0];
	forker_owner = getpid();
	return 0;
}

/*
 * What an exec'd helper would get besides its fds: the numbers the fds
 * have here (the job refers to them), argv and the environment.
 */
static void forker_message(struct wire *w, char *const argv[],
			   const int *keep, size_t n_fds)
{
	size_t argc = 0, envc = 0;

	put_str(w, JOB_MAGIC);
	put_int(w, (long long)n_fds);
	for (size_t i = 0; i < n_fds; i++)
		put_int(w, keep[i]);
	while (argv[argc])
		argc++;
	put_int(w, (long long)argc);
	for (size_t i = 0; i < argc; i++)
		put_str(w, argv[i]);
	while (environ && environ[envc])
		envc++;
	put_int(w, (long long)envc);
	for (size_t i = 0; i < envc; i++)
		put_str(w, environ[i]);
}

/*
 * The fds an exec'd helper would have: the core's stdin, stdout and stderr
 * as they are now (its log may be there) unless close-on-exec, keep's, and
 * the working folder (cwd, O_PATH); their count, FORKER_FDS + 1 for too
 * many.
 */
static size_t forker_fds(int *out, const int *keep, int cwd)
{
	size_t n = 0;

	for (int fd = 0; fd < 3; fd++) {
		int flags = fcntl(fd, F_GETFD);

		if (flags >= 0 && !(flags & FD_CLOEXEC))
			out[n++] = fd;
	}
	for (; *keep != -1 && n <= FORKER_FDS; keep++)
		out[n++] = *keep;
	if (cwd >= 0 && n <= FORKER_FDS)
		out[n++] = cwd;
	out[n] = -1;
	return n;
}

/*
 * What an exec'd helper inherits besides fds, argv and the environment
 * and may differ from when the forker started: the umask, the nice value,
 * the scheduling policy (for the tools, see set_policy) and the resource
 * limits. The working folder goes as an fd.
 */
static void forker_state(struct wire *w, int cwd)
{
	mode_t mask = umask(0);
	int prio, policy = get_policy(&prio);

	umask(mask);
	put_int(w, (long long)mask);
	put_int(w, getpriority(PRIO_PROCESS, 0));
	put_int(w, policy);
	put_int(w, prio);
	put_int(w, cwd);
	put_int(w, RLIM_NLIMITS);
	for (int r = 0; r < RLIM_NLIMITS; r++) {
		struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };

		getrlimit(r, &rl);
		put_int(w, (long long)rl.rlim_cur);
		put_int(w, (long long)rl.rlim_max);
	}
}

/* One message with n fds on sock, never waiting; 0, or -errno. */
static int send_with_fds(int sock, const struct wire *w, const int *fds,
			 size_t n)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int) * FORKER_FDS)];
	} c;
	struct iovec iov = { w->buf, w->len };
	struct msghdr m = { 0 };
	struct cmsghdr *cm;

	memset(&c, 0, sizeof(c));
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = c.buf;
	m.msg_controllen = CMSG_SPACE(sizeof(int) * n);
	cm = CMSG_FIRSTHDR(&m);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int) * n);
	memcpy(CMSG_DATA(cm), fds, sizeof(int) * n);
	return sendmsg(sock, &m, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 ? -errno : 0;
}

/* The helper of argv with job_fds, to the forker; 0, or -errno. */
static int forker_send(char *const argv[], const int *job_fds)
{
	int fds[FORKER_FDS + 2], ret = -EMSGSIZE;
	int cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct wire w = { 0 };
	size_t n = forker_fds(fds, job_fds, cwd);

	if (n > FORKER_FDS) {
		ret = -EINVAL;
		goto out;
	}
	forker_message(&w, argv, fds, n);
	forker_state(&w, cwd);
	if (!w.failed && w.len <= FORKER_MSG_MAX)
		ret = send_with_fds(forker_sock, &w, fds, n);
out:
	free(w.buf);
	if (cwd >= 0)
		close(cwd);
	return ret;
}

static bool forker_gone(int err)
{
	return err == -EPIPE || err == -ECONNRESET || err == -ENOTCONN;
}

/*
 * A forker that has left a message unread for FORKER_STUCK_MS (stopped,
 * or blocked on a console) is given up: its jobs wait in its queue, and
 * it still runs them and ends if it comes back. Bytes still queued are
 * the kernel's SIOCOUTQ; the time is that of the send that found none.
 */
#define FORKER_STUCK_MS 1000
#ifndef SIOCOUTQ
#define SIOCOUTQ TIOCOUTQ /* linux/sockios.h, which musl's gcc may lack */
#endif
static long long forker_unread_since = -1;

static bool forker_stuck(void)
{
	int queued = 0;

	if (ioctl(forker_sock, SIOCOUTQ, &queued) < 0 || queued <= 0) {
		forker_unread_since = -1; /* all read */
		return false;
	}
	return forker_unread_since >= 0 &&
	       now_ms() - forker_unread_since > FORKER_STUCK_MS;
}

/*
 * A helper with argv and the fds of keep: forked by the forker when there
 * is one, else exec'd; 0 once it is on its way, or -errno (spawn_helper).
 * A job the forker has taken and then lost (the forker killed before it
 * forked) reaches the core as a pid pipe closed with nothing written.
 */
static int launch_helper(char *const argv[], const int *keep, int report)
{
	int ret;

	/* a child of the core has its own namespaces, credentials: its own */
	if (forker_sock >= 0 && forker_owner != getpid()) {
		close_fd(&forker_sock);
		forker_deaths = 0;
	}
	spawn_areas_sweep(); /* the forker's own, once it has exec'd */
	while (!forker_unwanted() && forker_deaths < FORKER_DEATHS) {
		if (forker_sock < 0 && forker_spawn() < 0)
			break;
		ret = forker_stuck() ? -ECONNRESET : forker_send(argv, keep);
		if (!ret && forker_unread_since < 0)
			forker_unread_since = now_ms(); /* the oldest unread */
		if (!ret)
			return 0;
		if (!forker_gone(ret)) /* full, or too big: exec'd instead */
			break;
		close_fd(&forker_sock);
		forker_unread_since = -1;
		if (++forker_deaths < FORKER_DEATHS)
			plog(PV_LOG_WARN, "helper forker gone or stuck; "
					  "starting another");
		else
			plog(PV_LOG_WARN, "helper forker gone %d times; helpers "
					  "are exec'd from now on",
			     forker_deaths);
	}
	return spawn_helper(argv, keep, report);
}

/* The plugin's end of the socket, for a process that unloads it. */
static __attribute__((destructor)) void forker_close(void)
{
	close_fd(&forker_sock);
}

/* What a start helper needs, from its job (start_from_wire). */
struct start_job {
	char name[PV_LXCCLI_NAME_MAX + 1];
	char lxcpath[PATH_MAX];
	char config[PATH_MAX];
	char init_buf[PATH_MAX];
	char *init_argv[INIT_ARGS_MAX]; /* points into init_buf */
	bool has_init_argv;
	char conf_dir[PATH_MAX]; /* the folder of the platform's config */
	int pipefd, status_wr, logfd, loglevel;
};

static void report_verdict(int fd, const struct start_verdict *v,
			   const char *name)
{
	ssize_t n;

	do
		n = write(fd, v, sizeof(*v));
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(*v))
		plog(PV_LOG_ERROR, "cannot report pid of '%s' to the plugin: %s",
		     name, n < 0 ? strerror(errno) : "short write");
}

/* Exactly one pid_t in one write(), as the core reads it. */
static void report_pid(int fd, pid_t pid, const char *name, const char *to)
{
	ssize_t n;

	if (fd < 0)
		return;
	do
		n = write(fd, &pid, sizeof(pid));
	while (n < 0 && errno == EINTR);
	if (n != sizeof(pid))
		plog(PV_LOG_ERROR, "cannot report pid of '%s' to %s: %s", name,
		     to, n < 0 ? strerror(errno) : "short write");
}

/*
 * Once lxc-start may have left a container behind, a -1 must not leave it
 * running: the core never stops a platform that reported no pid.
 */
static void kill_container(struct start_job *j)
{
	struct argv_buf a;
	struct tool_result r;

	build_stop_argv(&a, j->name, j->lxcpath, j->config, 0, true);
	run_tool(a.v, PV_LXCCLI_TOOL_TIMEOUT * 1000, -1, &r);
}

/* Why the core must not be given a pid lxc-info printed, or NULL. */
static const char *pid_problem(pid_t pid)
{
	if (pid == 1)
		return "is the host's init"; /* the core would signal it */
	if (kill(pid, 0) < 0 && errno == ESRCH)
		return "does not exist";
	return NULL;
}

/* LXC's reason, for the log line of a failed start. */
static const char *lxc_reason(const struct log_relay *r)
{
	return r->first_error[0] ? r->first_error :
				   "LXC logged no error";
}

/*
 * lxc-start exits before its monitor has logged all: the reason arrives
 * until the monitor is gone and the log pipe ends, which is bounded.
 */
static void start_failed(struct log_relay *r, int lxc_log_rd,
			 const char *what)
{
	relay_until_eof(r, lxc_log_rd,
			now_ms() + PV_LXCCLI_TOOL_TIMEOUT * 1000LL);
	plog(PV_LOG_ERROR, "%s; LXC's reason: %s", what, lxc_reason(r));
}

static pid_t start_and_find_pid(struct start_job *j, struct log_relay *rl,
				int lxc_log[2], int *monitor_fd, pid_t *parent)
{
	struct argv_buf a;
	struct tool_result r;
	const char *bad;
	char why[96], what[OUT_MAX + 128];
	pid_t pid, monitor;
	int ret;

	/* 5.x: or it fails; 4.x: or they pile up */
	remove_stale_cgroups(j->name, 0);
	build_start_argv(&a, j->name, j->lxcpath, j->config, lxc_log[1],
			 j->loglevel, j->has_init_argv ? j->init_argv : NULL);
	ret = run_tool(a.v, PV_LXCCLI_START_TIMEOUT * 1000, lxc_log[1], &r);
	close_fd(&lxc_log[1]);
	if (ret < 0 || r.exit_code != 0) {
		snprintf(what, sizeof(what), "lxc-start of '%s' %s: %s", j->name,
			 tool_outcome(&r, ret, why, sizeof(why)), tool_said(&r));
		/* an exit code means LXC cleaned up; a kill or a hang not */
		if (ret == 0 && r.exit_code < 0)
			kill_container(j);
		start_failed(rl, lxc_log[0], what);
		return -1;
	}
	/* lxc-start -d returns once the container is RUNNING: one look */
	pid = init_below(getpid(), &monitor);
	if (monitor > 0)
		*monitor_fd = pidfd_of(monitor);
	*parent = pid > 0 ? monitor : 0; /* 0: not found, lxc-info asked */
	if (pid > 0)
		return pid;
	build_info_argv(&a, j->name, j->lxcpath);
	ret = run_tool(a.v, PV_LXCCLI_TOOL_TIMEOUT * 1000, -1, &r);
	pid = ret == 0 && r.exit_code == 0 ? parse_pid(r.out, r.out_len) : -1;
	if (pid < 0) {
		snprintf(what, sizeof(what),
			 "no init pid for '%s' after lxc-start (init exited?): "
			 "lxc-info %s: %s",
			 j->name, tool_outcome(&r, ret, why, sizeof(why)),
			 tool_said(&r));
	} else if ((bad = pid_problem(pid))) {
		snprintf(what, sizeof(what), "init pid %d of '%s' from lxc-info %s",
			 (int)pid, j->name, bad);
		pid = -1;
	}
	if (pid < 0) {
		kill_container(j);
		start_failed(rl, lxc_log[0], what);
	}
	return pid;
}

/*
 * The container's working folder: the liblxc plugin runs in the folder of
 * the platform's config, so relative paths in it resolve from there.
 */
static void enter_config_folder(const struct start_job *j)
{
	if (chdir(j->conf_dir) < 0)
		plog(PV_LOG_WARN, "cannot enter '%s' for '%s': relative paths "
				  "in its config resolve from '/': %s",
		     j->conf_dir, j->name, strerror(errno));
}

/*
 * Starts the container, reports the pid, then stays as the relay of LXC's
 * log for the container's life: the pipe ends when the monitor exits. A
 * gone reader costs nothing: the relay then only keeps the pipe drained,
 * so LXC's monitor never blocks on it.
 */
/* LXC's lines held so far, sent before one of the helper's own */
static void send_held(void)
{
	if (pass_relay)
		relay_send(pass_relay);
}

static void start_helper(struct start_job *j, int lock,
			 struct start_verdict *v)
{
	struct log_relay rl = { .to = j->logfd, .min_level = j->loglevel };
	int lxc_log[2] = { -1, -1 }, monitor_fd = -1;
	pid_t pid = -1, parent = 0;

	if (lock < 0)
		goto report; /* logged */
	alarm(PV_LXCCLI_START_TIMEOUT + 3 * PV_LXCCLI_TOOL_TIMEOUT);
	enter_config_folder(j);
	/* LXC's monitor becomes this helper's child: see "init, found" */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		plog(PV_LOG_DEBUG, "no subreaper for '%s': %s", j->name,
		     strerror(errno));
	if (pipe2(lxc_log, O_CLOEXEC) < 0) {
		plog(PV_LOG_ERROR, "no pipe for the log of '%s': %s", j->name,
		     strerror(errno));
		goto report;
	}
	/*
	 * LXC's log is read from the first line on (LXC waits on a full
	 * pipe) and reaches the core in one write once lxc-start is done,
	 * or PIPE_BUF at a time: the core wakes once, not once a line.
	 */
	pass_from = lxc_log[0];
	pass_relay = &rl;
	rl.hold = true;
	helper_line_hook = send_held;
	pid = start_and_find_pid(j, &rl, lxc_log, &monitor_fd, &parent);
	helper_line_hook = NULL;
	rl.hold = false;
	relay_send(&rl);
	pass_from = -1;
	pass_relay = NULL;
	/* best effort; see above. The monitor leaves in ms: 1 s is plenty
	 * and stays within the alarm's margin. */
	if (pid < 0)
		remove_stale_cgroups(j->name, 1000);
report:
	/* the plugin first, so its getfd knows the verdict by the time the
	 * core has read the pid */
	v->pid = pid;
	v->own_init = parent > 0;
	v->monitor = parent;
	if (j->status_wr >= 0)
		report_verdict(j->status_wr, v, j->name);
	report_pid(j->pipefd, pid, j->name, "the core");
	close_fd(&j->status_wr);
	close_fd(&j->pipefd);
	unlink_old_config(j->name);
	alarm(0);
	if (pid > 0) {
		/* lives as long as the container: hold nothing of the core's */
		int from[] = { lxc_log[0], j->logfd, lock, monitor_fd };
		int keep[ARRAY_SIZE(from) + 1];

		/* a missing logfd must not end the list early */
		keep_list(keep, from, ARRAY_SIZE(from));
		each_fd(close_unless, keep);
		/* the monitor's orphans come here too: the kernel reaps them */
		signal(SIGCHLD, SIG_IGN);
		drop_unused_pages();
		relay_until_eof(&rl, lxc_log[0], -1);
	}
	reap_left_children(monitor_fd);
	close_fd(&monitor_fd);
	close_fd(&lxc_log[0]);
	close_fd(&j->logfd);
	close_fd(&lock); /* the monitor is gone: the next instance may start */
}

struct stop_job {
	char name[PV_LXCCLI_NAME_MAX + 1];
	char conf_dir[PATH_MAX]; /* relative includes resolve from there */
	char lxcpath[PATH_MAX];
	char config[PATH_MAX];
	int console; /* the kept master, -1 without a console */
	int init_fd; /* a pidfd of init, sent its halt signal; or -1 */
	int halt;    /* the signal sent */
};

/*
 * lxc-stop returns once init is gone, before LXC's monitor has finished
 * (post-stop hooks, cgroup removal). The monitor holds the console slave
 * as its controlling terminal, so the last master closing while it still
 * runs hangs it up. The master is held, and drained, until every slave is
 * closed (POLLHUP), which is the moment the monitor has exited.
 */
static void wait_console_hangup(int master, long long deadline)
{
	char buf[4096];

	for (;;) {
		struct pollfd pfd = { master, POLLIN, 0 };
		long long left = deadline - now_ms();

		if (left <= 0) {
			plog(PV_LOG_WARN, "console still open at the stop "
					  "deadline: releasing it");
			return;
		}
		if (poll(&pfd, 1, (int)left) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (pfd.revents & (POLLHUP | POLLERR | POLLNVAL))
			return;
		if (read(master, buf, sizeof(buf)) < 0 && errno != EAGAIN &&
		    errno != EINTR)
			return; /* EIO: the other side is closed */
	}
}

/* lxc-stop -k when the graceful stop failed. */
static void stop_by_kill(struct stop_job *j)
{
	struct argv_buf a;
	struct tool_result r;
	char why[96];
	int ret;

	build_stop_argv(&a, j->name, j->lxcpath, j->config, 0, true);
	ret = run_tool(a.v, PV_LXCCLI_TOOL_TIMEOUT * 1000, -1, &r);
	if (ret != 0 || (r.exit_code != 0 &&
			 r.exit_code != LXC_STOP_NOT_RUNNING))
		plog(PV_LOG_ERROR, "lxc-stop -k of '%s' %s: %s", j->name,
		     tool_outcome(&r, ret, why, sizeof(why)), tool_said(&r));
}

/*
 * Init was sent its halt signal in the call: it has until the stop timeout
 * to go, as lxc-stop -t would give it, while the console is drained (a
 * container that prints as it stops must not block on a full PTY).
 */
static bool init_exits(const struct stop_job *j, long long deadline)
{
	int console = j->console;
	char buf[4096];

	for (;;) {
		struct pollfd fds[2] = { { j->init_fd, POLLIN, 0 },
					 { console, POLLIN, 0 } };
		long long left = deadline - now_ms();

		if (left <= 0)
			return false;
		if (poll(fds, 2, (int)left) < 0 && errno != EINTR)
			return false;
		if (fds[0].revents & POLLIN)
			return true;
		if (fds[0].revents)
			return false; /* a broken pidfd: lxc-stop -k decides */
		/* a hung-up or broken console has nothing more to drain */
		if ((fds[1].revents & (POLLHUP | POLLERR | POLLNVAL)) ||
		    ((fds[1].revents & POLLIN) &&
		     read(console, buf, sizeof(buf)) < 0 && errno != EAGAIN &&
		     errno != EINTR))
			console = -1;
	}
}

/* The halt was sent in the call: wait for init, then kill if need be. */
static void stop_sent(struct stop_job *j)
{
	long long deadline = now_ms() + PV_LXCCLI_STOP_TIMEOUT * 1000LL;

	drop_unused_pages(); /* it waits: see drop_unused_pages */
	if (init_exits(j, deadline)) {
		plog(PV_LOG_INFO, "stopped '%s' (signal %d to init)", j->name,
		     j->halt);
		return;
	}
	plog(PV_LOG_WARN, "init of '%s' still runs %d s after its halt "
			  "signal %d; killing it",
	     j->name, PV_LXCCLI_STOP_TIMEOUT, j->halt);
	stop_by_kill(j);
}

/*
 * lxc-stop alone: it exits 2 for a container that is not running, even one
 * LXC has forgotten, so asking lxc-info first would only cost a tool run
 * (about 3 ms) on every stop.
 */
static void stop_by_tool(struct stop_job *j)
{
	struct argv_buf a;
	struct tool_result r;
	char why[96];
	int ret;

	pass_from = j->console; /* read and dropped: see pass_from */
	build_stop_argv(&a, j->name, j->lxcpath, j->config,
			PV_LXCCLI_STOP_TIMEOUT, false);
	ret = run_tool(a.v,
		       (PV_LXCCLI_STOP_TIMEOUT + PV_LXCCLI_TOOL_TIMEOUT) * 1000,
		       -1, &r);
	if (ret == 0 && r.exit_code == 0) {
		plog(PV_LOG_INFO, "stopped '%s'", j->name);
	} else if (ret == 0 && r.exit_code == LXC_STOP_NOT_RUNNING) {
		plog(PV_LOG_INFO, "'%s' is not running: %s", j->name,
		     tool_said(&r));
	} else {
		plog(PV_LOG_WARN, "lxc-stop -t %d of '%s' %s: %s; killing it",
		     PV_LXCCLI_STOP_TIMEOUT, j->name,
		     tool_outcome(&r, ret, why, sizeof(why)), tool_said(&r));
		stop_by_kill(j);
	}
	pass_from = -1;
}

static void stop_helper(struct stop_job *j)
{
	long long deadline = now_ms() + (PV_LXCCLI_STOP_TIMEOUT +
					 2 * PV_LXCCLI_TOOL_TIMEOUT) * 1000LL;
	int lock;

	/* held until this helper ends: see "one instance at a time" */
	lock = lock_instance(j->name, LOCK_STOP, PV_LXCCLI_TOOL_TIMEOUT);
	if (lock < 0 && lock != -ENOENT)
		plog(PV_LOG_WARN, "stop of '%s' without its lock: %s", j->name,
		     strerror(-lock));
	alarm(PV_LXCCLI_STOP_TIMEOUT + 3 * PV_LXCCLI_TOOL_TIMEOUT);
	if (chdir(j->conf_dir) < 0)
		plog(PV_LOG_WARN, "cannot enter '%s' to stop '%s': %s",
		     j->conf_dir, j->name, strerror(errno));
	if (j->init_fd >= 0) {
		/* it only waits: what it touched of libc, the loader and
		 * the .so goes (a tool's fork does it in the other case) */
		drop_unused_pages();
		stop_sent(j);
	} else {
		stop_by_tool(j);
	}
	if (j->console >= 0)
		wait_console_hangup(j->console, deadline);
}

/* ------------------------------------------------------------- start */

static int validate_platform(const struct pv_platform *p, const char *rev,
			     const char *conf_file)
{
	const char *why, *group = p->group ? p->group->name : NULL;
	struct stat st;

	why = name_problem(p->name);
	if (why) {
		/* cut: the reason must survive a 4 KB name */
		plog(PV_LOG_ERROR, "platform name '%.80s' %s",
		     p->name ? p->name : "(null)", why);
		return -EINVAL;
	}
	if (!rev || !*rev || (why = value_problem(rev))) {
		plog(PV_LOG_ERROR, "revision of '%s' %s", p->name,
		     rev ? (*rev ? why : "is empty") : "is missing");
		return -EINVAL;
	}
	if ((why = value_problem(p->exec))) {
		plog(PV_LOG_ERROR, "exec of '%s' %s", p->name, why);
		return -EINVAL;
	}
	if ((why = value_problem(group)) ||
	    (group && (why = name_problem(group)))) {
		plog(PV_LOG_ERROR, "group name of '%s' %s", p->name, why);
		return -EINVAL;
	}
	if (!conf_file || (why = path_problem(conf_file))) {
		plog(PV_LOG_ERROR, "config path of '%s' %s", p->name,
		     conf_file ? why : "is missing");
		return -EINVAL;
	}
	if (stat(conf_file, &st) < 0 || access(conf_file, R_OK) < 0) {
		plog(PV_LOG_ERROR, "config '%s' of '%s': %s", conf_file,
		     p->name, strerror(errno));
		return -ENOENT;
	}
	if (!S_ISREG(st.st_mode)) {
		plog(PV_LOG_ERROR, "config '%s' of '%s' is not a regular file",
		     conf_file, p->name);
		return -EINVAL;
	}
	return 0;
}

/*
 * An init that exited is a zombie until LXC's monitor reaps it, and
 * kill(pid, 0) still succeeds on it: a crashed platform restarted at once
 * must not be refused for it.
 */
static bool pid_alive(pid_t pid)
{
	char path[32], buf[256], *paren;
	ssize_t n;
	int fd;

	if (kill(pid, 0) < 0 && errno == ESRCH)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno != ENOENT && errno != ESRCH;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return n < 0 && errno != ESRCH;
	buf[n] = '\0';
	/* "pid (comm) S ...": the state follows the last ')' */
	paren = strrchr(buf, ')');
	return !(paren && paren[1] == ' ' && strchr("ZXx", paren[2]));
}

/* A start needs the platform's entry free: nothing starting or alive. */
static int claim_entry(const char *name)
{
	struct console_ent *e;

	ents_sweep();
	e = ent_find(name);
	if (!e)
		return 0;
	if (e->state == ENT_STARTING) {
		plog(PV_LOG_ERROR, "'%s' is still starting; stop it first",
		     name);
		return -EBUSY;
	}
	if (pid_alive(e->pid)) {
		plog(PV_LOG_ERROR, "'%s' is already running as pid %d", name,
		     (int)e->pid);
		return -EBUSY;
	}
	ent_free(e); /* init went away without a stop */
	return 0;
}

static struct console_ent *ent_new(const char *name)
{
	struct console_ent *e = calloc(1, sizeof(*e));

	if (!e) {
		plog(PV_LOG_ERROR, "out of memory starting '%s'", name);
		return NULL;
	}
	strcpy(e->name, name);
	e->master = e->slave = e->keep = e->status_rd = -1;
	e->state = ENT_STARTING;
	return e;
}

static int open_console(struct console_ent *e, char *slave_path, size_t size)
{
	if (openpty(&e->master, &e->slave, NULL, NULL, NULL) < 0) {
		int err = errno; /* the injected logger may change errno */

		plog(PV_LOG_ERROR, "openpty for '%s': %s", e->name,
		     strerror(err));
		return -err;
	}
	if (fcntl(e->master, F_SETFD, FD_CLOEXEC) < 0 ||
	    fcntl(e->slave, F_SETFD, FD_CLOEXEC) < 0 ||
	    fcntl(e->master, F_SETFL, O_NONBLOCK) < 0 ||
	    ttyname_r(e->slave, slave_path, size) != 0) {
		plog(PV_LOG_ERROR, "console of '%s': %s", e->name,
		     strerror(errno));
		return -EIO;
	}
	return 0;
}

/*
 * Everything a start needs, resolved, on the heap: the start helper gets its
 * own copy of it (and of the pointers into it) through fork.
 */
struct start_ctx {
	struct paths paths;
	struct mount_ent mounts[MOUNTS_MAX];
	char *hooks[HOOKS_MAX];
	size_t n_hooks;
	char slave[64];
	char rootfs_path[PATH_MAX * 2];
	char *orig;
	size_t orig_len;
	struct rootfs_layers layers;
	char *body; /* orig as LXC gets it (plan_lines) */
	size_t body_len;
#if PV_LXCCLI_CORE >= PV_LXCCLI_CORE_2026_08
	struct net_in net;
	bool pool; /* net holds a pool network */
#endif
	struct cfg_in in;
	struct start_job job;
	char configs[PATH_MAX]; /* configs_file(name); "" without one */
	bool export;
	bool console_none; /* lxc.console.path = none: the PTY goes unused */
};

static int resolve_paths(struct start_ctx *s)
{
	int ret;

	if ((ret = build_path(P_LXCPATH, s->paths.lxcpath,
			      sizeof(s->paths.lxcpath), NULL, NULL)) ||
	    (ret = build_path(P_ROOTFS_MOUNT, s->paths.rootfs_mount,
			      sizeof(s->paths.rootfs_mount), NULL, NULL)) ||
	    (ret = build_path(P_LIB_HOOK, s->paths.hooks_dir,
			      sizeof(s->paths.hooks_dir), "", NULL)))
		return ret;
	for (size_t n = strlen(s->paths.hooks_dir);
	     n > 1 && s->paths.hooks_dir[n - 1] == '/'; n--)
		s->paths.hooks_dir[n - 1] = '\0';
	return 0;
}

static int resolve_inputs(struct start_ctx *s, const struct pv_platform *p,
			  const char *rev)
{
	struct host_facts h = { "/lib/firmware", "/lib/modules", "/dev/log",
				NULL };
	struct utsname u;
	int ret;

	if (uname(&u) == 0)
		h.release = u.release;
	ret = resolve_paths(s);
	if (ret)
		return ret;
	return resolve_mounts(p, rev, &h, s->mounts, &s->in.n_mounts);
}

/* What the helper reads: the hooks folder and the platform's config. */
static int read_inputs(struct start_ctx *s, bool export, const char *conf_file)
{
	int ret;

	/* LXC creates neither, and a missing one fails the start */
	mkdir_parents(s->paths.rootfs_mount, 0755);
	mkdir_parents(s->paths.lxcpath, 0755);
	for (size_t i = 0; i < s->in.n_mounts; i++)
		if ((ret = prepare_mount(&s->mounts[i])))
			return ret;
	ret = list_hooks(s->paths.hooks_dir, export, s->hooks, &s->n_hooks);
	if (ret) {
		plog(PV_LOG_ERROR, "cannot list hooks in '%s': %s",
		     s->paths.hooks_dir, strerror(-ret));
		return ret;
	}
	ret = read_file(conf_file, &s->orig, &s->orig_len);
	if (ret)
		plog(PV_LOG_ERROR, "cannot read config '%s': %s", conf_file,
		     strerror(-ret));
	return ret;
}

/* The configs folder on top of an overlay rootfs, as the liblxc plugin. */
static int plan_config_overlay(struct start_ctx *s, const char *name,
			       const char *configs)
{
	static const char *const keys[] = { "lxc.rootfs.path", "lxc.rootfs",
					    NULL };
	char rootfs[PATH_MAX];
	int ret;

	if (!configs || !is_dir(configs))
		return 0;
	if (!cfg_last_value(s->orig, s->orig_len, keys, rootfs,
			    sizeof(rootfs)))
		rootfs[0] = '\0';
	ret = overlay_with_configs(rootfs, configs, s->rootfs_path,
				   sizeof(s->rootfs_path));
	if (ret < 0) {
		plog(PV_LOG_ERROR, "rootfs of '%s' too long for the configs "
				   "overlay",
		     name);
		return -ENAMETOOLONG;
	}
	if (ret == 0)
		plog(PV_LOG_WARN,
		     "'%s' has a configs folder '%s' but its rootfs '%s' is not "
		     "an overlay: the configs are not applied",
		     name, configs, rootfs);
	else
		s->in.rootfs_path = s->rootfs_path;
	return 0;
}

/*
 * Before LXC 6.0 lxc.init.cmd is split on blanks with quotes kept, so a
 * quoted command goes to lxc-start after -- as a ready argv instead.
 */
static int plan_init_argv(struct start_ctx *s, const char *exec,
			  const char *name, int version)
{
	static const char *const keys[] = { "lxc.init.cmd", "lxc.init_cmd",
					    NULL };
	struct start_job *j = &s->job;
	char cmd[PATH_MAX];

	if (exec)
		snprintf(cmd, sizeof(cmd), "%s", exec);
	else if (!cfg_last_value(s->orig, s->orig_len, keys, cmd,
				 sizeof(cmd)))
		return 0;
	if (lxc_has(version, KEY_INIT_CMD_QUOTES) || !strpbrk(cmd, "'\"\\"))
		return 0;
	if (split_command(cmd, j->init_buf, sizeof(j->init_buf), j->init_argv,
			  INIT_ARGS_MAX) < 1) {
		plog(PV_LOG_ERROR, "init command '%s' of '%s' has an "
				   "unterminated quote or too many words",
		     cmd, name);
		return -EINVAL;
	}
	j->has_init_argv = true;
	s->in.init_argv = j->init_argv;
	return 0;
}

static int plan_lxc_version(struct start_ctx *s, const char *name, int v)
{
	char buf[64];

	if (v < LXC_MIN_VERSION) {
		plog(PV_LOG_ERROR, "LXC %d.%d is too old for '%s': 2.1 or "
				   "later is needed",
		     v / 10000, v / 100 % 100, name);
		return -ENOTSUP;
	}
	s->in.lxc_version = v;
	if (!lxc_has(v, KEY_CGROUP_DIR) &&
	    strcmp(default_cgroup_pattern(v), "lxc/%s")) {
		snprintf(buf, sizeof(buf), default_cgroup_pattern(v), name);
		/* the core finds a caller's platform by 'lxc/<name>' */
		plog(PV_LOG_WARN, "LXC %d.%d cannot name the cgroup: '%s' "
				  "runs in '%s', not 'lxc/%s', so Pantavisor "
				  "refuses its pv-ctrl requests (caller "
				  "identity); LXC 5.0 or later is needed for "
				  "them",
		     v / 10000, v / 100 % 100, name, buf, name);
	}
	return 0;
}

/*
 * A rootfs spec with its relative folders made absolute against the
 * config's folder, where lxc-start runs (enter_config_folder).
 */
static int absolute_spec(const char *spec, const char *dir, char *out,
			 size_t size)
{
	const char *s = spec, *colon = strchr(spec, ':');
	size_t o = 0;
	int n;

	/* a "type:" prefix is a short word without '/' */
	if (colon && colon != spec && !memchr(spec, '/', (size_t)(colon - spec))) {
		o = (size_t)(colon - spec) + 1;
		if (o >= size)
			return -ENAMETOOLONG;
		memcpy(out, spec, o);
		s = colon + 1;
	}
	for (;;) {
		size_t len = strcspn(s, ":");
		bool rel = len && s[0] != '/';

		n = snprintf(out + o, size - o, "%s%s%.*s", rel ? dir : "",
			     rel ? "/" : "", (int)len, s);
		if (n < 0 || (size_t)n + 1 >= size - o)
			return -ENAMETOOLONG;
		o += (size_t)n;
		if (!s[len])
			return 0;
		out[o++] = ':';
		out[o] = '\0';
		s += len + 1;
	}
}

/* Where the rootfs's folders are, the plugin's targets resolved there. */
static int plan_rootfs(struct start_ctx *s, const char *name)
{
	static const char *const keys[] = { "lxc.rootfs.path", "lxc.rootfs",
					    NULL };
	char spec[PATH_MAX * 2], abs[PATH_MAX * 2], dst[sizeof(s->mounts[0].dst)];
	int ret;

	if (s->in.rootfs_path)
		snprintf(spec, sizeof(spec), "%s", s->in.rootfs_path);
	else if (!cfg_last_value(s->orig, s->orig_len, keys, spec,
				 sizeof(spec)))
		return 0;
	if (absolute_spec(spec, s->job.conf_dir, abs, sizeof(abs)) ||
	    (ret = rootfs_layers_of(abs, &s->layers)) < 0) {
		plog(PV_LOG_WARN, "cannot read the rootfs '%s' of '%s': mount "
				  "targets are left to LXC",
		     spec, name);
		return 0;
	}
	if (ret == 0) {
		plog(PV_LOG_DEBUG, "rootfs '%s' of '%s' is no folder before "
				   "start: mount targets are left to LXC",
		     spec, name);
		return 0;
	}
	for (size_t i = 0; i < s->in.n_mounts; i++) {
		if (resolve_in_rootfs(&s->layers, s->mounts[i].dst, name, dst,
				      sizeof(dst)))
			memcpy(s->mounts[i].dst, dst, sizeof(dst));
	}
	return 1;
}

/* The platform's lines as LXC gets them, into s->body. */
static int plan_body(struct start_ctx *s, const char *name)
{
	int folders = plan_rootfs(s, name), ret;

	ret = plan_lines(name, folders > 0 ? &s->layers : NULL, s->orig,
			 s->orig_len, &s->body, &s->body_len);
	if (ret)
		plog(PV_LOG_ERROR, "cannot prepare the config of '%s': %s",
		     name, strerror(-ret));
	return ret;
}

static void fill_cfg_in(struct start_ctx *s)
{
	struct cfg_in *c = &s->in;

	c->lxcpath = s->paths.lxcpath;
	c->config_path = s->job.config;
	c->rootfs_mount = s->paths.rootfs_mount;
	c->console = s->slave[0] ? s->slave : NULL;
	c->unified = host_cgroup_mode() == CGROUP_UNIFIED;
	c->appengine = host_init_mode() == MODE_APPENGINE;
	c->mounts = s->mounts;
	c->hooks = s->hooks;
	c->n_hooks = s->n_hooks;
#if PV_LXCCLI_CORE >= PV_LXCCLI_CORE_2026_08
	c->net = s->pool ? &s->net : NULL;
#endif
	if (c->unified && lxc_has(c->lxc_version, KEY_CGROUP2_DEVICES))
		plog(PV_LOG_INFO, "unified cgroup host: device access of '%s' "
				  "is open (lxc.cgroup2.devices.allow = a)",
		     c->name);
}

/*
 * The export hook looks for run.json beside LXC_CONFIG_FILE, which is our
 * config: a link to the platform's own run.json, swapped in atomically.
 */
static int link_run_json(int dfd, const char *conf_file, const char *name)
{
	char target[PATH_MAX], tmp[64];
	const char *slash = strrchr(conf_file, '/');

	snprintf(target, sizeof(target), "%.*s/run.json",
		 (int)(slash - conf_file), conf_file);
	if (access(target, F_OK) < 0) {
		unlinkat(dfd, "run.json", 0);
		return 0;
	}
	snprintf(tmp, sizeof(tmp), ".run.json.%ld", (long)getpid());
	unlinkat(dfd, tmp, 0);
	if (symlinkat(target, dfd, tmp) < 0 ||
	    renameat(dfd, tmp, dfd, "run.json") < 0) {
		plog(PV_LOG_ERROR, "cannot link run.json of '%s': %s", name,
		     strerror(errno));
		unlinkat(dfd, tmp, 0);
		return -EIO;
	}
	return 0;
}

static int write_platform_config(struct start_ctx *s, const char *name,
				 const char *conf_file)
{
	int dfd, ret;

	dfd = open_runtime_dir(name);
	if (dfd < 0)
		return dfd;
	ret = write_config_file(dfd, &s->in, s->body, s->body_len);
	if (ret)
		plog(PV_LOG_ERROR, "cannot write '%s/%s/config': %s", run_dir(),
		     name, strerror(-ret));
	else
		ret = link_run_json(dfd, conf_file, name);
	close(dfd);
	return ret;
}

/* The start job, in the order start_from_wire() reads it. */
static void start_to_wire(struct wire *w, const struct start_ctx *s,
			  const struct pv_platform *p, const char *rev,
			  const char *conf_file)
{
	const struct start_job *j = &s->job;

	put_str(w, JOB_MAGIC);
	put_str(w, "start");
	put_str(w, run_dir());
	put_str(w, p->name);
	put_str(w, rev);
	put_str(w, conf_file);
	put_str(w, j->conf_dir);
	put_str(w, j->config);
	put_str(w, s->paths.lxcpath);
	put_str(w, s->paths.rootfs_mount);
	put_str(w, s->paths.hooks_dir);
	put_str(w, s->configs);
	put_str(w, p->exec);
	put_str(w, p->group ? p->group->name : NULL);
	put_str(w, s->slave);
	put_int(w, j->pipefd);
	put_int(w, j->status_wr);
	put_int(w, j->logfd);
	put_int(w, j->loglevel);
	put_int(w, lxc_version_cached);
	put_int(w, cached_mode);
	put_int(w, getpid());
	put_int(w, s->export);
	put_int(w, (long long)s->in.n_mounts);
	for (size_t i = 0; i < s->in.n_mounts; i++) {
		put_str(w, s->mounts[i].src);
		put_str(w, s->mounts[i].dst);
		put_str(w, s->mounts[i].opts);
	}
#if PV_LXCCLI_CORE >= PV_LXCCLI_CORE_2026_08
	put_int(w, s->pool);
	put_str(w, s->net.hostname);
	put_int(w, (long long)s->net.n_ifaces);
	for (size_t i = 0; i < s->net.n_ifaces; i++) {
		const struct net_iface_in *f = &s->net.ifaces[i];

		put_str(w, f->name);
		put_str(w, f->link);
		put_str(w, f->address);
		put_str(w, f->gateway);
		put_str(w, f->hwaddr);
	}
#endif
	put_str(w, JOB_MAGIC);
}

static int launch_start(struct console_ent *e, struct start_ctx *s,
			struct pv_platform *p, const char *rev,
			const char *conf_file, int logfd, int pipefd)
{
	struct start_job *j = &s->job;
	struct wire w = { 0 };
	int status[2], job = -1;
	int keep[5], k = 0;
	char jobnum[16], pipenum[16];
	char *argv[] = { HELPER_ARGV0, jobnum, "start", p->name, pipenum,
			 NULL };
	int ret;

	if (pipe2(status, O_CLOEXEC | O_NONBLOCK) < 0) {
		int err = errno; /* the injected logger may change errno */

		plog(PV_LOG_ERROR, "pipe for '%s': %s", e->name,
		     strerror(err));
		return -err;
	}
	strcpy(j->name, e->name);
	strcpy(j->lxcpath, s->paths.lxcpath);
	j->pipefd = pipefd;
	j->status_wr = status[1];
	j->logfd = conf_capture && logfd >= 0 ? logfd : -1;
	j->loglevel = conf_loglevel;
	start_to_wire(&w, s, p, rev, conf_file);
	job = wire_to_fd(&w);
	free(w.buf);
	if (job < 0) {
		ret = job;
		plog(PV_LOG_ERROR, "no job for the start helper of '%s': %s",
		     e->name, strerror(-ret));
		goto out;
	}
	snprintf(jobnum, sizeof(jobnum), "%d", job);
	snprintf(pipenum, sizeof(pipenum), "%d", pipefd);
	keep[k++] = job;
	keep[k++] = pipefd;
	keep[k++] = status[1];
	if (j->logfd >= 0)
		keep[k++] = j->logfd;
	keep[k] = -1;
	ret = launch_helper(argv, keep, pipefd);
	if (ret)
		plog(PV_LOG_ERROR, "cannot start the start helper of '%s' "
				   "('%s'): %s",
		     e->name, helper_exe, strerror(-ret));
out:
	close_fd(&job);
	close(status[1]);
	if (ret) {
		close(status[0]);
		return ret;
	}
	e->status_rd = status[0];
	return 0;
}

#if PV_LXCCLI_CORE >= PV_LXCCLI_CORE_2026_08
/* In the network section: 1 and n filled for a pool, 0 without one. */
static int resolve_network(const struct pv_platform *p, struct net_in *n);
#endif

/*
 * An init command the plugin must split (LXC before 6.0, quotes in it):
 * checked here, so a bad exec is refused by the call. With the version not
 * known yet (the first start of a process) it is checked as for LXC 5.
 */
static int check_exec(const struct pv_platform *p)
{
	char buf[PATH_MAX], *argv[INIT_ARGS_MAX];

	if (!p->exec || !strpbrk(p->exec, "'\"\\") ||
	    (lxc_version_cached > 0 &&
	     lxc_has(lxc_version_cached, KEY_INIT_CMD_QUOTES)))
		return 0;
	if (strlen(p->exec) < sizeof(buf) &&
	    split_command(p->exec, buf, sizeof(buf), argv, INIT_ARGS_MAX) >= 1)
		return 0;
	plog(PV_LOG_ERROR, "init command '%s' of '%s' has an unterminated "
			   "quote or too many words",
	     p->exec, p->name);
	return -EINVAL;
}

/*
 * What needs the core (its path functions, its platform and network
 * structs) or must be refused by the call; the rest is the helper's
 * (plan_in_helper). The LXC version is checked here once a helper has
 * told it.
 */
static int prepare_start(struct start_ctx *s, struct console_ent *e,
			 struct pv_platform *p, const char *rev,
			 const char *conf_file)
{
	int ret;

	snprintf(s->job.config, sizeof(s->job.config), "%s/%s/config",
		 run_dir(), p->name);
	/* validated: absolute, so there is a last '/' */
	snprintf(s->job.conf_dir, sizeof(s->job.conf_dir), "%.*s",
		 (int)(strrchr(conf_file, '/') - conf_file), conf_file);
	if (!s->job.conf_dir[0])
		strcpy(s->job.conf_dir, "/");
	s->export = p->export;
	if ((ret = resolve_inputs(s, p, rev)) || (ret = check_exec(p)))
		return ret;
	if (lxc_version_cached > 0 &&
	    (ret = plan_lxc_version(s, p->name, lxc_version_cached)))
		return ret;
	/* a bad path is refused, not skipped */
	if (path_fns[P_CONFIGS] &&
	    (ret = build_path(P_CONFIGS, s->configs, sizeof(s->configs),
			      p->name, NULL)))
		return ret;
#if PV_LXCCLI_CORE >= PV_LXCCLI_CORE_2026_08
	ret = resolve_network(p, &s->net);
	if (ret < 0)
		return ret;
	s->pool = ret == 1;
#endif
	/* the helper releases it if the config says lxc.console.path = none */
	if (conf_capture && (ret = open_console(e, s->slave, sizeof(s->slave))))
		return ret;
	return 0;
}

/*
 * The core's side of a start works in one static area, not in a calloc of
 * its 118 KiB: a block fresh from the heap cost the first start of a
 * process some 30 page faults (60 us of a 0.3 ms call). The core is
 * single-threaded and a start never outlives its call, so one area serves
 * them all; the load touches it (start_area_touch), so the first start
 * finds its pages as the later ones do.
 */
static struct start_ctx start_area;

static void start_area_touch(void)
{
	memset(&start_area, 0, sizeof(start_area));
}

/* A helper done with it gives its pages back: they read as zeros again. */
static void start_area_drop(void)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t lo = ((uintptr_t)&start_area + page - 1) & ~(page - 1);
	uintptr_t hi = ((uintptr_t)(&start_area + 1)) & ~(page - 1);

	if (hi > lo)
		/* NOLINTNEXTLINE(performance-no-int-to-ptr) */
		madvise((void *)lo, hi - lo, MADV_DONTNEED);
}

static int do_start(struct pv_platform *p, const char *rev, char *conf_file,
		    int logfd, int pipefd)
{
	struct start_ctx *s = &start_area;
	struct console_ent *e = NULL;
	int ret;

	ret = validate_platform(p, rev, conf_file);
	if (ret)
		return ret;
	if (pipefd < 0 || fcntl(pipefd, F_GETFD) < 0) {
		plog(PV_LOG_ERROR, "pid pipe fd %d of '%s' is not open",
		     pipefd, p->name);
		return -EBADF;
	}
	if ((fcntl(pipefd, F_GETFL) & O_ACCMODE) == O_RDONLY) {
		plog(PV_LOG_ERROR, "pid pipe fd %d of '%s' is not open for "
				   "writing",
		     pipefd, p->name);
		return -EBADF;
	}
	ret = claim_entry(p->name);
	if (ret)
		return ret;
	memset(s, 0, sizeof(*s));
	e = ent_new(p->name);
	if (!e) {
		ret = -ENOMEM;
		goto out;
	}
	ret = prepare_start(s, e, p, rev, conf_file);
	if (ret)
		goto out;
	strcpy(e->conf_dir, s->job.conf_dir);
	e->next = ents;
	ents = e;
	ret = launch_start(e, s, p, rev, conf_file, logfd, pipefd);
	if (ret)
		goto out; /* ent_free() unlinks it */
	e = NULL;
	plog(PV_LOG_INFO, "starting '%s' with '%s'", p->name, s->job.config);
out:
	if (e)
		ent_free(e);
	return ret;
}

/* ------------------------------------------------------------- stop */

/*
 * LXC's own choice when the config sets no halt signal: SIGRTMIN+3 when
 * init blocks it (systemd), else SIGPWR.
 */
static int default_halt(const struct init_status *st)
{
	return st->blocked & (1ULL << (SIGRTMIN + 3 - 1)) ? SIGRTMIN + 3 :
							    SIGPWR;
}

/*
 * The graceful halt is sent in the call, as the liblxc plugin does, when
 * the plugin found init itself and knows its halt signal: lxc-stop would
 * send the same after 3 to 5 ms of its own start-up. This opens a pidfd of
 * init, once it is sure the pid is still that init (pid 1 of its own pid
 * namespace, child of the same monitor: a crashed init's pid may have been
 * reused), and chooses the signal. -1: the helper runs lxc-stop -t.
 */
static int halt_target(const struct console_ent *e, int *sig)
{
	struct init_status st;
	int pfd;

	if (!e || e->state != ENT_RUNNING || !e->own_init || e->halt < 0)
		return -1;
	pfd = pidfd_of(e->pid); /* the process now, whatever its pid later */
	if (pfd < 0)
		return -1;
	if (!read_init_status(e->pid, &st) || !st.ns_init ||
	    st.ppid != e->monitor) {
		close(pfd);
		return -1;
	}
	*sig = e->halt ? e->halt : default_halt(&st);
	return pfd;
}

/* Once the stop helper waits on it; a failure means init is gone. */
static void send_halt(int pfd, int sig, const char *name)
{
#ifdef SYS_pidfd_send_signal
	if (syscall(SYS_pidfd_send_signal, pfd, sig, NULL, 0) == 0)
		return;
	plog(PV_LOG_INFO, "no halt signal %d to the init of '%s': %s", sig,
	     name, strerror(errno));
#else
	(void)pfd, (void)sig, (void)name;
#endif
}

static void stop_to_wire(struct wire *w, const struct stop_job *j)
{
	put_str(w, JOB_MAGIC);
	put_str(w, "stop");
	put_str(w, run_dir());
	put_str(w, j->name);
	put_str(w, j->conf_dir);
	put_str(w, j->lxcpath);
	put_str(w, j->config);
	put_int(w, j->console);
	put_int(w, j->init_fd);
	put_int(w, j->halt);
	put_int(w, conf_loglevel);
	put_str(w, JOB_MAGIC);
}

static void do_stop(struct pv_platform *p)
{
	struct stop_job j = { 0 };
	struct console_ent *e;
	struct wire w = { 0 };
	char jobnum[16];
	char *argv[] = { HELPER_ARGV0, jobnum, "stop", NULL, NULL };
	int keep[4] = { -1, -1, -1, -1 }, job = -1, ret;

	if (!p || name_problem(p->name)) {
		plog(PV_LOG_ERROR, "stop of an invalid platform refused");
		return;
	}
	ents_sweep();
	e = ent_find(p->name);
	if (!e)
		plog(PV_LOG_WARN, "stop of '%s', which this plugin did not "
				  "start or already stopped",
		     p->name);
	j.init_fd = -1;
	if (build_path(P_LXCPATH, j.lxcpath, sizeof(j.lxcpath), NULL, NULL))
		goto out;
	strcpy(j.name, p->name);
	strcpy(j.conf_dir, e ? e->conf_dir : "/");
	snprintf(j.config, sizeof(j.config), "%s/%s/config", run_dir(),
		 p->name);
	/* the helper holds a master until the container is down */
	j.console = e ? (e->keep >= 0 ? e->keep : e->master) : -1;
	j.init_fd = halt_target(e, &j.halt);
	stop_to_wire(&w, &j);
	job = wire_to_fd(&w);
	free(w.buf);
	if (job < 0) {
		ret = job;
		goto fail;
	}
	snprintf(jobnum, sizeof(jobnum), "%d", job);
	argv[3] = j.name;
	keep_list(keep, (int[]){ job, j.console, j.init_fd }, 3);
	ret = launch_helper(argv, keep, -1);
	close_fd(&job);
	if (!ret && j.init_fd >= 0)
		send_halt(j.init_fd, j.halt, j.name);
fail:
	close_fd(&j.init_fd);
	if (ret)
		plog(PV_LOG_ERROR, "cannot start the stop helper of '%s' "
				   "('%s'): %s",
		     p->name, helper_exe, strerror(-ret));
out:
	if (e)
		ent_free(e);
}

/* ------------------------------------------------ network (core 2026.08) */
#if PV_LXCCLI_CORE >= PV_LXCCLI_CORE_2026_08

/*
 * Pool networks (IPAM): the core creates the pool's bridge and leases each
 * interface an address before start; the plugin emits what the liblxc
 * plugin emits (contract, section 3.1). The core's list is read once, in
 * resolve_network(), into a struct net_in that the writer renders.
 */

/* "" from the core counts as unset, as NULL does */
static const char *net_str(const char *v)
{
	return v && *v ? v : NULL;
}

/* ipv4.address alone may hold a blank: "a.b.c.d/N broadcast" */
static const char *net_value_problem(const char *v, bool blank_ok)
{
	const char *why = value_problem(v);

	if (why)
		return why;
	if (!blank_ok && strpbrk(v, " \t"))
		return "contains whitespace";
	return NULL;
}

/* Checks and keeps one interface; 0 also when it is skipped. */
static int resolve_iface(const char *plat, size_t index,
			 const struct pv_platform_network_iface *i,
			 struct net_in *n)
{
	struct net_iface_in x = {
		.name = net_str(i->name) ? i->name : "eth0",
		.link = net_str(i->bridge),
		.address = net_str(i->ipv4_address),
		.gateway = net_str(i->ipv4_gateway),
		.hwaddr = net_str(i->mac_address),
	};
	const struct {
		const char *what, *v;
		bool blank_ok;
	} vals[] = {
		{ "name", x.name, false },
		{ "bridge", x.link, false },
		{ "ipv4 address", x.address, true },
		{ "ipv4 gateway", x.gateway, false },
		{ "mac address", x.hwaddr, false },
	};
	const char *why;

	if (!x.address || !x.link) {
		plog(PV_LOG_WARN, "network interface %zu '%.32s' of '%s' has "
				  "no %s: skipped",
		     index, x.name, plat,
		     x.link ? "ipv4 address" :
		     x.address ? "bridge" : "ipv4 address and no bridge");
		return 0;
	}
	for (size_t k = 0; k < ARRAY_SIZE(vals); k++) {
		if (!vals[k].v ||
		    !(why = net_value_problem(vals[k].v, vals[k].blank_ok)))
			continue;
		plog(PV_LOG_ERROR, "network interface %zu of '%s': %s '%.80s' "
				   "%s",
		     index, plat, vals[k].what, vals[k].v, why);
		return -EINVAL;
	}
	n->ifaces[n->n_ifaces++] = x;
	return 0;
}

/* The interface a node of the core's list is embedded in. */
static const struct pv_platform_network_iface *
iface_of(const struct pv_dl_list *node)
{
	return (const void *)((const char *)node -
			      offsetof(struct pv_platform_network_iface, list));
}

/*
 * Reads p->network: 0 for no network or host mode (nothing changes), 1
 * with n filled for a pool, -EINVAL for a bad value or a broken list. The
 * list is the core's: the walk stops at a NULL link or after
 * NET_NODES_MAX nodes and refuses the start, rather than loop for ever or
 * emit half a network.
 */
static int resolve_network(const struct pv_platform *p, struct net_in *n)
{
	const struct pv_platform_network *net = p->network;
	const struct pv_dl_list *head, *node;
	size_t walked = 0;
	const char *why;
	int ret;

	n->hostname = NULL;
	n->n_ifaces = 0;
	if (!net || net->mode != PV_NET_MODE_POOL)
		return 0;
	n->hostname = net_str(net->hostname);
	if (n->hostname && (why = net_value_problem(n->hostname, false))) {
		plog(PV_LOG_ERROR, "network hostname '%.80s' of '%s' %s",
		     n->hostname, p->name, why);
		return -EINVAL;
	}
	head = &net->interfaces;
	for (node = head->next; node != head; node = node->next) {
		if (!node || walked == NET_NODES_MAX) {
			plog(PV_LOG_ERROR, "network interface list of '%s' is "
					   "broken (%s after %zu interfaces)",
			     p->name, node ? "no end" : "a NULL link", walked);
			return -EINVAL;
		}
		ret = resolve_iface(p->name, walked++, iface_of(node), n);
		if (ret)
			return ret;
	}
	return 1;
}

#define KEEP_WORDS_MAX 16 /* LXC knows 8 namespaces */

struct words {
	struct {
		const char *s;
		size_t len;
	} w[KEEP_WORDS_MAX];
	size_t n;
};

static void add_word(struct words *k, const char *s, size_t len)
{
	for (size_t i = 0; i < k->n; i++)
		if (k->w[i].len == len && !memcmp(k->w[i].s, s, len))
			return;
	if (k->n < KEEP_WORDS_MAX) {
		k->w[k->n].s = s;
		k->w[k->n++].len = len;
	}
}

/*
 * The namespaces the config keeps, added up as LXC does: every
 * lxc.namespace.keep line adds its blank-separated names (pvr writes
 * "user  net  ipc"), an empty value clears them.
 */
static void kept_namespaces(const char *text, size_t len, struct words *k)
{
	const char *pos = text;
	struct cfg_line l;

	k->n = 0;
	while (next_key_line(&pos, text + len, &l)) {
		size_t i = 0, j;

		if (!key_is(&l, "lxc.namespace.keep"))
			continue;
		if (!l.val_len)
			k->n = 0;
		while (i < l.val_len) {
			const unsigned char *v = (const unsigned char *)l.val;

			while (i < l.val_len && isblank(v[i]))
				i++;
			for (j = i; j < l.val_len && !isblank(v[j]); j++)
				;
			if (j > i)
				add_word(k, l.val + i, j - i);
			i = j;
		}
	}
}

/* A kept net namespace would leave the veths outside: clear, re-keep. */
static void write_keep_without_net(FILE *f, const char *orig, size_t orig_len)
{
	struct words k;
	bool net = false, others = false;

	kept_namespaces(orig, orig_len, &k);
	for (size_t i = 0; i < k.n; i++) {
		if (k.w[i].len == 3 && !memcmp(k.w[i].s, "net", 3))
			net = true;
		else
			others = true;
	}
	if (!net)
		return;
	fprintf(f, "lxc.namespace.keep =\n");
	if (!others)
		return;
	fprintf(f, "lxc.namespace.keep =");
	for (size_t i = 0; i < k.n; i++)
		if (k.w[i].len != 3 || memcmp(k.w[i].s, "net", 3))
			fprintf(f, " %.*s", (int)k.w[i].len, k.w[i].s);
	fputc('\n', f);
}

/*
 * The liblxc plugin's lines, after every other addition: the pool's
 * hostname (it beats the platform config's), one veth per interface in
 * that plugin's key order, N counting emitted interfaces only.
 */
static void write_network(FILE *f, const struct net_in *n, const char *orig,
			  size_t orig_len)
{
	if (n->hostname)
		fprintf(f, "lxc.uts.name = %s\n", n->hostname);
	for (size_t i = 0; i < n->n_ifaces; i++) {
		const struct net_iface_in *x = &n->ifaces[i];

		fprintf(f, "lxc.net.%zu.type = veth\n", i);
		fprintf(f, "lxc.net.%zu.link = %s\n", i, x->link);
		fprintf(f, "lxc.net.%zu.name = %s\n", i, x->name);
		fprintf(f, "lxc.net.%zu.ipv4.address = %s\n", i, x->address);
		if (x->gateway)
			fprintf(f, "lxc.net.%zu.ipv4.gateway = %s\n", i,
				x->gateway);
		if (x->hwaddr)
			fprintf(f, "lxc.net.%zu.hwaddr = %s\n", i, x->hwaddr);
		fprintf(f, "lxc.net.%zu.flags = up\n", i);
	}
	if (n->n_ifaces)
		write_keep_without_net(f, orig, orig_len);
}

/*
 * The first line that configures a network: after leading blanks, not a
 * comment, starting with "lxc.net." (the liblxc plugin's test, on the raw
 * line). Returns its number from 1, 0 when there is none.
 */
static size_t first_net_line(const char *text, size_t len, const char **line,
			     size_t *line_len)
{
	static const char pre[] = "lxc.net.";
	const char *pos = text, *end = text + len;

	for (size_t no = 1; pos < end; no++) {
		const char *nl = memchr(pos, '\n', (size_t)(end - pos));
		const char *s = pos, *e = nl ? nl : end;

		pos = nl ? nl + 1 : end;
		while (s < e && isspace((unsigned char)*s))
			s++;
		if ((size_t)(e - s) < sizeof(pre) - 1 ||
		    memcmp(s, pre, sizeof(pre) - 1))
			continue;
		*line = s;
		*line_len = (size_t)(e - s);
		return no;
	}
	return 0;
}

/* A pool's interfaces come from the plugin: the config must have none. */
static int check_pool_config(const struct pv_platform *p,
			     const char *conf_file)
{
	const char *line;
	char *text = NULL;
	size_t len = 0, line_len = 0, no;

	if (!p->network || p->network->mode != PV_NET_MODE_POOL)
		return 0;
	if (read_file(conf_file, &text, &len))
		return 0; /* as the liblxc plugin; start reports it */
	no = first_net_line(text, len, &line, &line_len);
	if (no)
		plog(PV_LOG_ERROR,
		     "'%s' declares an IPAM pool network but its config '%s' "
		     "has lxc.net.* lines (line %zu: '%.*s'): drop every "
		     "lxc.net.* line, the plugin adds the pool's interfaces",
		     p->name, conf_file, no,
		     (int)(line_len < 80 ? line_len : 80), line);
	free(text);
	return no ? -1 : 0;
}

/*
 * The liblxc plugin's test for a static address: a key that starts with
 * "lxc.net." and contains ".ipv4.address" anywhere.
 */
static bool is_ipv4_address_key(const struct cfg_line *l)
{
	static const char pre[] = "lxc.net.", mid[] = ".ipv4.address";

	return l->key_len >= sizeof(pre) - 1 &&
	       !memcmp(l->key, pre, sizeof(pre) - 1) &&
	       memmem(l->key, l->key_len, mid, sizeof(mid) - 1);
}

/*
 * Calls cb with every static IPv4 address of the config, in host order:
 * the value up to '/', a blank or '#' ("a.b.c.d/nn [broadcast]"); "auto",
 * "dhcp" and anything else inet_pton() refuses are not addresses.
 */
static int each_static_ip(const char *text, size_t len,
			  void (*cb)(uint32_t ip, void *ctx), void *ctx)
{
	const char *pos = text;
	struct cfg_line l;
	int found = 0;

	while (next_key_line(&pos, text + len, &l)) {
		char addr[INET_ADDRSTRLEN];
		struct in_addr in;
		size_t n;

		if (!is_ipv4_address_key(&l))
			continue;
		/* bounded: the text need not be NUL-terminated */
		for (n = 0; n < l.val_len && !strchr("/ \t#", l.val[n]); n++)
			;
		if (n == 0 || n >= sizeof(addr))
			continue;
		memcpy(addr, l.val, n);
		addr[n] = '\0';
		if (inet_pton(AF_INET, addr, &in) != 1)
			continue; /* auto, dhcp, or not an address */
		cb(ntohl(in.s_addr), ctx);
		found++;
	}
	return found;
}
#endif

/* ------------------------------------------------------ helper program */

/* The start job's strings, pointing into the job's buffer. */
struct start_strs {
	const char *rev, *conf_file, *configs, *exec, *group;
};

static void start_from_wire(struct wire_rd *r, struct start_ctx *s,
			    struct start_strs *t)
{
	struct start_job *j = &s->job;
	long long n;

	get_path(r, j->name, sizeof(j->name));
	t->rev = get_str(r);
	t->conf_file = get_str(r);
	get_path(r, j->conf_dir, sizeof(j->conf_dir));
	get_path(r, j->config, sizeof(j->config));
	get_path(r, s->paths.lxcpath, sizeof(s->paths.lxcpath));
	strcpy(j->lxcpath, s->paths.lxcpath);
	get_path(r, s->paths.rootfs_mount, sizeof(s->paths.rootfs_mount));
	get_path(r, s->paths.hooks_dir, sizeof(s->paths.hooks_dir));
	t->configs = get_opt(r);
	t->exec = get_opt(r);
	t->group = get_opt(r);
	get_path(r, s->slave, sizeof(s->slave));
	j->pipefd = (int)get_int(r);
	j->status_wr = (int)get_int(r);
	j->logfd = (int)get_int(r);
	j->loglevel = (int)get_int(r);
	lxc_version_cached = (int)get_int(r);
	cached_mode = (int)get_int(r);
	mode_core_pid = (pid_t)get_int(r);
	s->export = get_int(r) != 0;
	n = get_int(r);
	if (n < 0 || n > MOUNTS_MAX)
		r->bad = true;
	for (long long i = 0; !r->bad && i < n; i++) {
		get_path(r, s->mounts[i].src, sizeof(s->mounts[i].src));
		get_path(r, s->mounts[i].dst, sizeof(s->mounts[i].dst));
		s->mounts[i].opts = get_str(r);
		s->in.n_mounts = (size_t)i + 1;
	}
#if PV_LXCCLI_CORE >= PV_LXCCLI_CORE_2026_08
	s->pool = get_int(r) != 0;
	s->net.hostname = get_opt(r);
	n = get_int(r);
	if (n < 0 || n > NET_NODES_MAX)
		r->bad = true;
	for (long long i = 0; !r->bad && i < n; i++) {
		struct net_iface_in *f = &s->net.ifaces[i];

		f->name = get_str(r);
		f->link = get_str(r);
		f->address = get_str(r);
		f->gateway = get_opt(r);
		f->hwaddr = get_opt(r);
		s->net.n_ifaces = (size_t)i + 1;
	}
#endif
	if (strcmp(get_str(r), JOB_MAGIC))
		r->bad = true;
}

/* What the core no longer does in its call: read, plan and write. */
static int plan_in_helper(struct start_ctx *s, const struct start_strs *t,
			  struct start_verdict *v)
{
	const char *name = s->job.name;
	int ret, version;

	ret = read_inputs(s, s->export, t->conf_file);
	if (ret)
		return ret;
	version = lxc_version();
	if (lxc_version_cached > 0)
		v->lxc_version = lxc_version_cached;
	if ((ret = plan_lxc_version(s, name, version)) ||
	    (ret = plan_config_overlay(s, name, t->configs)) ||
	    (ret = plan_init_argv(s, t->exec, name, version)) ||
	    (ret = plan_body(s, name)))
		return ret;
	v->halt = cfg_halt_signal(s->orig, s->orig_len);
	if (cfg_console_none(s->orig, s->orig_len)) {
		s->slave[0] = '\0'; /* the plugin closes the pair */
		v->console_none = 1;
	}
	s->in.name = name;
	s->in.rev = t->rev;
	s->in.conf_path = t->conf_file;
	s->in.group = t->group;
	s->in.exec = t->exec;
	s->in.loglevel = s->job.loglevel;
	fill_cfg_in(s);
	v->mode = cached_mode; /* for the core: later jobs carry it */
	return write_platform_config(s, name, t->conf_file);
}

/* The job's buffer: freed once the helper has what it needs from it. */
static char *helper_job;
static char helper_rundir_buf[PATH_MAX / 2]; /* with a name, fits a path */

/* What the start needs after planning, and nothing else, is kept. */
static void keep_only_job(struct start_ctx *s, struct start_job *j)
{
	*j = s->job;
	for (size_t i = 0; j->has_init_argv && i < INIT_ARGS_MAX; i++)
		if (s->job.init_argv[i])
			j->init_argv[i] = j->init_buf +
					  (s->job.init_argv[i] - s->job.init_buf);
	free_strs(s->hooks, s->n_hooks);
	free(s->orig);
	free(s->body);
	start_area_drop();
	free(helper_job);
	helper_job = NULL;
}

static void start_main(struct start_ctx *s, const struct start_strs *t)
{
	struct start_verdict v = { -1, 0, 0, 0, -1, 0, -1 };
	struct start_job j;
	int lock;

	helper_logfd = s->job.logfd;
	lock = wait_previous_instance(s->job.name);
	if (lock >= 0 && plan_in_helper(s, t, &v))
		close_fd(&lock); /* logged */
	keep_only_job(s, &j);
	start_helper(&j, lock, &v);
}

static void stop_from_wire(struct wire_rd *r, struct stop_job *j)
{
	get_path(r, j->name, sizeof(j->name));
	get_path(r, j->conf_dir, sizeof(j->conf_dir));
	get_path(r, j->lxcpath, sizeof(j->lxcpath));
	get_path(r, j->config, sizeof(j->config));
	j->console = (int)get_int(r);
	j->init_fd = (int)get_int(r);
	j->halt = (int)get_int(r);
	get_int(r); /* the LXC log level, the same scale as a start's */
	if (strcmp(get_str(r), JOB_MAGIC))
		r->bad = true;
}

/* The whole job; the caller frees *out. */
static int read_job(int fd, char **out, size_t *len)
{
	struct stat st;
	char *buf;
	ssize_t n;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (st.st_size <= 0 || st.st_size > 64LL * 1024 * 1024)
		return -EINVAL;
	buf = malloc((size_t)st.st_size);
	if (!buf)
		return -ENOMEM;
	n = pread(fd, buf, (size_t)st.st_size, 0);
	if (n != st.st_size) {
		free(buf);
		return n < 0 ? -errno : -EIO;
	}
	*out = buf;
	*len = (size_t)n;
	return 0;
}

/* Which fds a helper keeps; every other one it closes. */
static void keep_job_fds(const struct start_ctx *s, const struct stop_job *j)
{
	int keep[4];

	if (s)
		keep_list(keep,
			  (int[]){ s->job.pipefd, s->job.status_wr,
				   s->job.logfd },
			  3);
	else
		keep_list(keep, (int[]){ j->console, j->init_fd }, 2);
	each_fd(close_unless, keep);
}

/* An fd number of the helper's argv; -1 if it is none. */
static int fd_arg(const char *v)
{
	char *end;
	long n = strtol(v, &end, 10);

	return *v && !*end && n >= 0 && n <= INT_MAX ? (int)n : -1;
}

/* A start's pid pipe, argv[4] of a helper's argv; -1 if there is none. */
static int pid_pipe_arg(int argc, char *const argv[])
{
	return argc > 4 ? fd_arg(argv[4]) : -1;
}

/* The core's -1 for a start that cannot go on. */
static void report_lost(int fd)
{
	pid_t failed = -1;

	if (fd >= 0 && write(fd, &failed, sizeof(failed)) < 0)
		plog(PV_LOG_ERROR, "no -1 on the pid pipe: %s",
		     strerror(errno));
}

/*
 * A job this helper cannot read (say a .so replaced on disk by one whose
 * job differs: JOB_MAGIC) still gives the core its -1.
 */
static __attribute__((noreturn)) void helper_fails(int argc, char **argv)
{
	int fd = pid_pipe_arg(argc, argv);

	report_lost(fd >= 3 ? fd : -1);
	_exit(1);
}

/*
 * A helper's job, exec'd or forked: argv is { HELPER_ARGV0, job fd,
 * "start" | "stop", name, and for a start the pid pipe }. Its lines go to
 * stderr (and a start's logfd): see helper_line.
 */
static bool signals_reset; /* by a spare (below), before its job */

static __attribute__((noreturn)) void run_job(int argc, char **argv)
{
	struct start_ctx *s = NULL;
	struct start_strs t = { 0 };
	struct stop_job stop = { 0 };
	struct wire_rd r = { 0 };
	char *buf = NULL;
	size_t len = 0;
	int fd = argc > 1 ? fd_arg(argv[1]) : -1, ret;

	helper_min = PV_LOG_INFO;
	/* the core blocked all of them for the exec; the forker ignores
	 * SIGCHLD */
	if (!signals_reset)
		reset_signals();
	signal(SIGPIPE, SIG_IGN); /* EPIPE, not death, on a gone pipe */
	ret = fd >= 3 ? read_job(fd, &buf, &len) : -EBADF;
	if (ret) {
		plog(PV_LOG_ERROR, "helper cannot read its job (fd %d): %s", fd,
		     strerror(-ret));
		helper_fails(argc, argv);
	}
	close(fd);
	r.p = buf;
	r.end = buf + len;
	if (strcmp(get_str(&r), JOB_MAGIC))
		r.bad = true;
	helper_rundir = get_str(&r); /* the kind comes first */
	if (!strcmp(helper_rundir, "start")) {
		helper_rundir = get_str(&r);
		s = &start_area;
		memset(s, 0, sizeof(*s));
		start_from_wire(&r, s, &t);
	} else if (!strcmp(helper_rundir, "stop")) {
		helper_rundir = get_str(&r);
		stop_from_wire(&r, &stop);
	} else {
		r.bad = true;
	}
	if (r.bad) {
		plog(PV_LOG_ERROR, "helper job of '%s' is malformed (a plugin "
				   "of another version on disk than loaded?)",
		     argc > 3 ? argv[3] : "?");
		helper_fails(argc, argv);
	}
	keep_job_fds(s, &stop);
	if (strlen(helper_rundir) >= sizeof(helper_rundir_buf)) {
		plog(PV_LOG_ERROR, "runtime folder '%s' too long", helper_rundir);
		helper_fails(argc, argv);
	}
	snprintf(helper_rundir_buf, sizeof(helper_rundir_buf), "%s",
		 helper_rundir);
	helper_rundir = helper_rundir_buf;
	helper_job = buf;
	if (s) {
		start_main(s, &t);
	} else {
		free(helper_job);
		start_area_drop(); /* a spare's, unused */
		drop_after_fork = true; /* it waits for the container's end */
		stop_helper(&stop);
	}
	_exit(0);
}

/* ---- the forker's side */

/* The kernel's copy of argv, which ps shows: set by pv_lxccli_entry. */
static char *title_at;
static size_t title_len;

/*
 * Where the kernel keeps argv, from /proc/self/stat (arg_start and arg_end,
 * fields 48 and 49, Linux 3.5): musl's loader leaves no pointer to it.
 */
static __attribute__((unused)) void find_title(void)
{
	unsigned long start = 0, end = 0;
	char *buf = NULL, *p;
	size_t len = 0;

	if (read_proc("/proc/self/stat", &buf, &len))
		return;
	p = strrchr(buf, ')'); /* the name may hold anything: fields follow */
	for (int field = 2; p && field < 48; field++)
		p = strchr(p + 1, ' ');
	if (p) {
		char *next;

		start = strtoul(p, &next, 10);
		end = strtoul(next, NULL, 10);
	}
	if (start && end > start) {
		/* NOLINTNEXTLINE(performance-no-int-to-ptr): an address */
		title_at = (char *)start;
		title_len = end - start;
	}
	free(buf);
}

/* What ps shows for this process: argv's strings, cut to the room. */
static void set_title(char *const argv[])
{
	size_t off = 0;

	if (!title_at)
		return;
	memset(title_at, 0, title_len);
	for (; *argv && off + 1 < title_len; argv++) {
		size_t n = strnlen(*argv, title_len - off - 1);

		memcpy(title_at + off, *argv, n);
		off += n + 1;
	}
}

/*
 * A close-on-exec copy of fd on the lowest number none of want[] (-1 ends
 * it) is; or
 * -errno. The numbers passed on the way are held until then.
 */
static int dup_outside(int fd, const int *want)
{
	int held[FORKER_FDS], k = 0, to;

	for (;;) {
		to = fcntl(fd, F_DUPFD_CLOEXEC, 0);
		if (to < 0 || !in_list(to, want) || k == FORKER_FDS)
			break;
		held[k++] = to;
	}
	if (to >= 0 && in_list(to, want)) {
		close(to);
		to = -EMFILE;
	} else if (to < 0) {
		to = -errno;
	}
	while (k--)
		close(held[k]);
	return to;
}

/*
 * The n fds received at got[] given the numbers want[] (n, then -1) they
 * have in the core, which the job names, not close-on-exec. Only an fd that sits on
 * another's number moves out of the way first, to a number nobody wants:
 * no number above the core's highest is needed.
 */
static int renumber_fds(int *got, const int *want, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int to;

		if (got[i] == want[i] || !in_list(got[i], want))
			continue;
		to = dup_outside(got[i], want);
		if (to < 0)
			return to;
		close(got[i]);
		got[i] = to;
	}
	for (size_t i = 0; i < n; i++) {
		if (got[i] != want[i] && dup2(got[i], want[i]) < 0)
			return -errno;
		if (got[i] != want[i])
			close(got[i]);
		else if (fcntl(want[i], F_SETFD, 0) < 0)
			return -errno;
	}
	return 0;
}

/* What an exec'd helper would get, from a message (forker_message). */
struct forked_job {
	int want[FORKER_FDS + 1]; /* the fds' numbers in the core; -1 ends */
	char *argv[8];
	char **env;
	int argc;
	/* forker_state */
	long long mask, nice, policy, prio, cwd, n_rl;
	struct rlimit rl[RLIM_NLIMITS];
};

/* forker_state's part of the message. */
static void forker_parse_state(struct wire_rd *r, struct forked_job *f)
{
	f->mask = get_int(r);
	f->nice = get_int(r);
	f->policy = get_int(r);
	f->prio = get_int(r);
	f->cwd = get_int(r);
	f->n_rl = get_int(r);
	if (f->n_rl < 0 || f->n_rl > RLIM_NLIMITS)
		r->bad = true;
	for (long long i = 0; !r->bad && i < f->n_rl; i++) {
		f->rl[i].rlim_cur = (rlim_t)get_int(r);
		f->rl[i].rlim_max = (rlim_t)get_int(r);
	}
}

/*
 * The call's umask, nice value, limits and working folder. Limits first:
 * the fds may need the core's RLIMIT_NOFILE. A limit above the forker's
 * hard one needs CAP_SYS_RESOURCE, which a core as root has.
 */
static void apply_state(const struct forked_job *f)
{
	umask((mode_t)f->mask & 0777);
	setpriority(PRIO_PROCESS, 0, (int)f->nice);
	tool_policy = (int)f->policy;
	tool_prio = (int)f->prio;
	for (int i = 0; i < (int)f->n_rl; i++)
		setrlimit(i, &f->rl[i]);
}

/* The message parsed into f, pointing into buf; 0, or -EBADMSG. */
static int forker_parse(const char *buf, size_t len, size_t n_got,
			struct forked_job *f)
{
	struct wire_rd r = { buf, buf + len, false };
	long long n, argc, envc;

	if (strcmp(get_str(&r), JOB_MAGIC) || get_int(&r) != (long long)n_got)
		return -EBADMSG;
	for (size_t i = 0; i < n_got; i++)
		f->want[i] = (int)get_int(&r);
	f->want[n_got] = -1;
	argc = get_int(&r);
	if (r.bad || argc < 1 || argc >= (long long)ARRAY_SIZE(f->argv))
		return -EBADMSG;
	for (long long i = 0; i < argc; i++)
		f->argv[i] = (char *)get_str(&r);
	f->argv[argc] = NULL;
	f->argc = (int)argc;
	envc = get_int(&r);
	if (r.bad || envc < 0 || envc > (long long)len)
		return -EBADMSG;
	f->env = calloc((size_t)envc + 1, sizeof(*f->env));
	if (!f->env)
		return -ENOMEM;
	for (n = 0; n < envc; n++)
		f->env[n] = (char *)get_str(&r);
	forker_parse_state(&r, f);
	return r.bad ? -EBADMSG : 0;
}

/*
 * The received fd of a start's pid pipe (argv[4], a number in the core),
 * or -1: where -1 goes when the helper cannot be run.
 */
static int report_fd(const struct forked_job *f, const int *got, size_t n)
{
	int want = pid_pipe_arg(f->argc, f->argv);

	for (size_t i = 0; want >= 0 && i < n; i++)
		if (f->want[i] == want)
			return got[i];
	return -1;
}

/* 0, 1 and 2 that the core did not pass (closed there) on /dev/null. */
static void stdio_or_null(const int *want)
{
	for (int fd = 0; fd < 3; fd++) {
		int null;

		if (in_list(fd, want))
			continue;
		null = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null >= 0 && null != fd) {
			dup2(null, fd);
			close(null);
		}
	}
}

/*
 * The forker's child: what an exec'd helper would be. A message it cannot
 * use closes the fds, so a start's pid pipe closes with nothing written.
 */
static __attribute__((noreturn)) void forked_helper(const char *buf,
						   size_t len, int *got,
						   size_t n_got)
{
	struct forked_job f = { 0 };
	int ret = forker_parse(buf, len, n_got, &f), report = -1;

	if (!ret) {
		report = dup_outside(report_fd(&f, got, n_got), f.want);
		apply_state(&f);
		ret = renumber_fds(got, f.want, n_got);
	}
	if (!ret && f.cwd >= 0 && in_list((int)f.cwd, f.want)) {
		if (fchdir((int)f.cwd) < 0)
			ret = -errno;
		close((int)f.cwd);
	}
	if (ret) {
		plog(PV_LOG_ERROR, "helper forker: unusable message: %s",
		     strerror(-ret));
		report_lost(report);
		_exit(1);
	}
	if (report >= 0)
		close(report);
	stdio_or_null(f.want);
	environ = f.env;
	set_title(f.argv);
	run_job(f.argc, f.argv);
}

/* No child for a job: its start's -1, which an exec'd helper would give. */
static void fork_failed(const char *buf, size_t len, const int *got,
			size_t n_got)
{
	struct forked_job f = { 0 };
	int err = errno;

	plog(PV_LOG_ERROR, "helper forker cannot fork: %s", strerror(err));
	if (!forker_parse(buf, len, n_got, &f))
		report_lost(report_fd(&f, got, n_got));
	free(f.env);
}

/* One message and its fds; its length, 0 at EOF, or -errno. */
static ssize_t forker_recv(int sock, char *buf, int *got, size_t *n_got)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int) * FORKER_FDS)];
	} c;
	struct iovec iov = { buf, FORKER_MSG_MAX };
	struct msghdr m = { 0 };
	struct cmsghdr *cm;
	ssize_t len;

	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = c.buf;
	m.msg_controllen = sizeof(c.buf);
	*n_got = 0;
	do
		len = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
	while (len < 0 && errno == EINTR);
	if (len < 0)
		return -errno;
	/* the buffer holds one SCM_RIGHTS of FORKER_FDS, as the core sends */
	cm = CMSG_FIRSTHDR(&m);
	if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
		*n_got = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		memcpy(got, CMSG_DATA(cm), *n_got * sizeof(int));
	}
	if ((m.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) || (len && !*n_got)) {
		for (size_t i = 0; i < *n_got; i++)
			close(got[i]);
		*n_got = 0;
		return -EMSGSIZE;
	}
	return len;
}

/*
 * One message, and a child for it: the forker's way when it has no spare.
 * 0 at EOF (the core is gone), 1 on, -1 for an error it cannot go on from.
 */
static int forker_serve_one(int sock, char *buf)
{
	int got[FORKER_FDS];
	size_t n_got;
	ssize_t len = forker_recv(sock, buf, got, &n_got);
	pid_t pid;

	if (len <= 0) {
		if (len < 0)
			plog(PV_LOG_ERROR, "helper forker: %s",
			     strerror((int)-len));
		return len == 0 ? 0 :
		       len == -EMSGSIZE || len == -ENOMEM || len == -ENOBUFS ?
				  1 :
				  -1;
	}
	pid = fork();
	if (!pid) {
		close(sock);
		forked_helper(buf, (size_t)len, got, n_got);
	}
	if (pid < 0)
		fork_failed(buf, (size_t)len, got, n_got);
	for (size_t i = 0; i < n_got; i++)
		close(got[i]);
	return 1;
}

/*
 * Spares. The forker forks each helper before its job: the child, a spare,
 * reads the socket itself, so a job costs the core's message one wakeup,
 * not a fork (0.25 ms between the call and the helper's first step), and
 * the spare has set its signals and written the start area (the pages it
 * shares with the forker until it writes them) while it waited. One spare
 * at a time reads the socket: it writes one byte to its pipe when it took
 * a job, and the forker forks the next. A spare outlives a killed forker
 * and takes one more job, which is not lost; the socket is closed for the
 * core once it has (EPIPE at the next send: a new forker).
 */
#define SPARE_ARG "spare"

static __attribute__((noreturn)) void spare_main(int sock, int took)
{
	static char buf[FORKER_MSG_MAX];
	int got[FORKER_FDS], ret;
	size_t n_got;
	ssize_t len;

	set_title((char *[]){ HELPER_ARGV0, "-", SPARE_ARG, NULL });
	reset_signals();
	signal(SIGPIPE, SIG_IGN); /* a forker gone: EPIPE on took */
	signals_reset = true;
	start_area_touch();
	while ((len = forker_recv(sock, buf, got, &n_got)) < 0) {
		plog(PV_LOG_ERROR, "helper forker's spare: %s",
		     strerror((int)-len));
		if (len != -EMSGSIZE && len != -ENOMEM && len != -ENOBUFS)
			_exit(1); /* the forker serves the next one itself */
	}
	if (!len)
		_exit(0); /* the core's end closed */
	do
		ret = (int)write(took, "j", 1);
	while (ret < 0 && errno == EINTR);
	close(took);
	close(sock);
	forked_helper(buf, (size_t)len, got, n_got);
}

/* One spare, until it took a job (true) or ended without one. */
static bool spare_took_job(int sock)
{
	int took[2];
	ssize_t n;
	pid_t pid;
	char c;

	if (pipe2(took, O_CLOEXEC) < 0)
		return false;
	pid = fork();
	if (!pid) {
		close(took[0]);
		spare_main(sock, took[1]);
	}
	close(took[1]);
	n = -1;
	while (pid > 0 && (n = read(took[0], &c, 1)) < 0 && errno == EINTR)
		;
	close(took[0]);
	return n == 1;
}

/* The core's end closed and nothing is left to read. */
static bool forker_orphaned(int sock)
{
	struct pollfd p = { .fd = sock, .events = POLLIN };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLHUP) &&
	       !(p.revents & POLLIN);
}

/*
 * The forker: a job in, a child out, until the core's end closes. The
 * kernel reaps the children (SIGCHLD ignored); each child sets its signals
 * back first thing (spare_main, run_job). Without a spare (it could not
 * fork, or ended), the forker takes one message itself.
 */
static __attribute__((noreturn)) void forker_main(int sock)
{
	static char buf[FORKER_MSG_MAX];
	int keep[] = { sock, -1 }, ret;

	helper_min = PV_LOG_INFO;
	reset_signals(); /* the core blocked all of them for the exec */
	signal(SIGCHLD, SIG_IGN);
	signal(SIGPIPE, SIG_IGN); /* a -1 to a pid pipe the core closed */
	each_fd(close_unless, keep);
	set_title((char *[]){ HELPER_ARGV0, "-", FORKER_ARG, NULL });
	/* it lives as long as the core: what the loader touched goes */
	drop_unused_pages();
	for (;;) {
		if (spare_took_job(sock))
			continue;
		if (forker_orphaned(sock))
			_exit(0);
		ret = forker_serve_one(sock, buf);
		if (ret <= 0)
			_exit(ret < 0);
	}
}

/* The helper program: the forker, or a helper exec'd for its job. */
static __attribute__((noreturn, unused)) void helper_main(int argc,
						       char **argv)
{
	int fd = argc > 1 ? fd_arg(argv[1]) : -1;

	tool_policy = get_policy(&tool_prio);
	set_policy(SCHED_BATCH, 0);
	if (fd >= 3 && argc > 2 && !strcmp(argv[2], FORKER_ARG))
		forker_main(fd);
	run_job(argc, argv);
}

#ifdef PV_LXCCLI_INTERP
/*
 * The .so as a program: the kernel maps the loader named in PT_INTERP,
 * which relocates the .so and its libraries, runs their initialisers (libc
 * is ready then, as for libc.so.6 run as a program) and jumps here. There
 * is no main(): argv is read back from /proc.
 */
static const char interp[] __attribute__((section(".interp"), used)) =
	PV_LXCCLI_INTERP;

#if defined(__i386__) || defined(__x86_64__)
/* entered by a jump with the stack as the kernel left it */
__attribute__((force_align_arg_pointer))
#endif
__attribute__((noreturn)) void pv_lxccli_entry(void);
void pv_lxccli_entry(void)
{
	char *args = NULL, *argv[8];
	size_t len = 0;
	int argc = 0;

	if (read_proc("/proc/self/cmdline", &args, &len))
		_exit(126);
	for (size_t i = 0; i < len && argc < 7; i += strlen(args + i) + 1)
		argv[argc++] = args + i;
	argv[argc] = NULL;
	find_title();
	helper_main(argc, argv);
}
#endif

/* ---------------------------------------------------------- entry points */

int pv_start_container(struct pv_platform *p, const char *rev,
		       char *conf_file, int logfd, int pipefd)
{
	if (!p) {
		plog(PV_LOG_ERROR, "start without a platform");
		return -1;
	}
	return do_start(p, rev, conf_file, logfd, pipefd) ? -1 : 0;
}

void pv_stop_container(struct pv_platform *p, char *conf_file)
{
	(void)conf_file; /* always NULL from the core */
	do_stop(p);
}

void pv_set_pv_conf_loglevel_fn(int loglevel)
{
	if (loglevel < 0 || loglevel > 8) {
		plog(PV_LOG_WARN, "LXC log level %d out of 0-8; using 2",
		     loglevel);
		loglevel = 2;
	}
	conf_loglevel = loglevel;
}

void pv_set_pv_conf_capture_fn(bool capture)
{
	conf_capture = capture;
}

int pv_console_log_getfd(struct pv_platform *p, struct pv_platform_log *log)
{
	struct console_ent *e;

	if (!log)
		return -1;
	log->console_tty = log->console_pt = -1;
	if (!p || !p->name)
		return -1;
	ents_sweep();
	e = ent_find(p->name);
	if (!e || e->state != ENT_RUNNING || e->master < 0)
		return -1;
	e->keep = fcntl(e->master, F_DUPFD_CLOEXEC, 3);
	if (e->keep < 0) {
		plog(PV_LOG_ERROR, "cannot keep the console of '%s': %s",
		     p->name, strerror(errno));
		return -1;
	}
	log->console_pt = e->master;
	log->console_tty = e->slave;
	e->master = e->slave = -1; /* the core owns them now */
	return 0;
}

#if PV_LXCCLI_CORE >= PV_LXCCLI_CORE_2026_08
/*
 * Called before the pid pipe exists, and before the core leases addresses:
 * refusing here costs the core nothing. Besides the name and the config
 * file it refuses, as the liblxc plugin does, a pool platform whose config
 * has its own lxc.net.* lines.
 */
int pv_validate_container_config(struct pv_platform *p, const char *conf_file)
{
	struct stat st;
	const char *why;

	if (!p || (why = name_problem(p->name))) {
		plog(PV_LOG_ERROR, "platform name '%s' %s",
		     p && p->name ? p->name : "(null)",
		     p ? why : "is missing");
		return -1;
	}
	if (!conf_file || stat(conf_file, &st) < 0 || !S_ISREG(st.st_mode) ||
	    access(conf_file, R_OK) < 0) {
		plog(PV_LOG_ERROR, "config '%s' of '%s' is not a readable "
				   "regular file",
		     conf_file ? conf_file : "(null)", p->name);
		return -1;
	}
	return check_pool_config(p, conf_file);
}

void pv_enumerate_static_ips(struct pv_platform *p, const char *conf_file,
			     void (*cb)(uint32_t ip_host_order, void *ctx),
			     void *ctx)
{
	char *text = NULL;
	size_t len = 0; /* the analyzer cannot know open() sets errno */
	int ret;

	if (!cb || !conf_file)
		return;
	ret = read_file(conf_file, &text, &len);
	if (ret) {
		plog(PV_LOG_WARN, "cannot read config '%s' of '%s': %s",
		     conf_file, p && p->name ? p->name : "(null)",
		     strerror(-ret));
		return;
	}
	each_static_ip(text, len, cb, ctx);
	free(text);
}
#endif

void pv_set_pv_instance_fn(void *fn)
{
	pv_instance_fn = fn; /* kept, never read: struct pantavisor is opaque */
}

void pv_set_pv_paths_fn(void *vlog, void *pv_file, void *pv_log,
			void *pv_log_plat, void *pv_log_file, void *usrmeta_key,
			void *usrmeta_plat_key, void *devmeta_key,
			void *devmeta_plat_key, void *lib_hook,
			void *volumes_plat_file, void *configs_file,
			void *lib_lxc_rootfs_mount, void *lib_lxc_lxcpath)
{
	void *fns[P_COUNT] = { pv_file,	      pv_log,
			       pv_log_plat,   pv_log_file,
			       usrmeta_key,   usrmeta_plat_key,
			       devmeta_key,   devmeta_plat_key,
			       lib_hook,      volumes_plat_file,
			       configs_file,  lib_lxc_rootfs_mount,
			       lib_lxc_lxcpath };
	int ret;

	log_fn = (pv_vlog_fn)vlog;
	memcpy(path_fns, fns, sizeof(path_fns));
	start_area_touch();
	/* once, right after dlopen: the forker is ready by the first start */
	if (!forker_unwanted() && forker_sock < 0 && (ret = forker_spawn()))
		plog(PV_LOG_WARN, "no helper forker (%s); helpers are exec'd "
				  "one by one",
		     strerror(-ret));
}
