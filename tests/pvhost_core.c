// SPDX-License-Identifier: MIT
/*
 * pvhost core: a Pantavisor-like host for the runtime plugin. See pvhost.h
 * for the contract of every public function.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pvhost.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
/* glibc before 2.32 (bullseye's 2.31) has no SYS_close_range; the kernel's
 * headers may still have the number. Without either, only the fd walk. */
#if !defined(SYS_close_range) && defined(__NR_close_range)
#define SYS_close_range __NR_close_range
#endif

#define MODULE "pvhost"

/*
 * The injected path builders and vlog take no context argument, so the
 * loaded host and its sandbox are process-wide (one pvhost per process).
 */
static struct pvhost *g_host;
static char g_sandbox[PATH_MAX];
static char g_volumes[PATH_MAX]; /* volumes_plat_file: <volumes>/<plat>/<n> */

/* PID 1 mode: the SIGCHLD disposition to restore on unload. */
static struct sigaction g_old_chld;

/* ---- small utilities ---- */

double pvhost_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/* Milliseconds left until deadline, rounded up, never negative. */
static int ms_left(double deadline)
{
	double left = deadline - pvhost_now_ms();

	if (left <= 0)
		return 0;
	if (left > INT_MAX)
		return INT_MAX;
	return (int)left + 1;
}

/* Idempotent close that keeps errno, for cleanup paths. */
static void close_fd(int *fd)
{
	int saved = errno;

	if (*fd >= 0)
		close(*fd);
	*fd = -1;
	errno = saved;
}

int pvhost_mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(buf)) {
		errno = len ? ENAMETOOLONG : EINVAL;
		return -1;
	}
	memcpy(buf, path, len + 1);
	/* Create each prefix; EEXIST is fine as long as it is a folder. */
	for (char *p = buf + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;

		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -1;
		*p = c;
		if (c == '\0')
			break;
	}

	struct stat st;

	if (stat(path, &st) < 0)
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return 0;
}

static int join(char *buf, size_t size, const char *a, const char *b)
{
	int n = snprintf(buf, size, "%s/%s", a, b);

	if (n < 0 || (size_t)n >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= n;
	}
	return 0;
}

/*
 * Temporary file in the target folder, written in full, renamed over path:
 * readers (and a running busybox, which O_TRUNC would hit with ETXTBSY)
 * never see a half-written file.
 */
static int write_file_atomic(const char *path, const void *data, size_t len,
			     mode_t mode)
{
	char tmp[PATH_MAX];
	int fd = -1;
	int n = snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);

	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (write_all(fd, data, len) < 0 || fchmod(fd, mode) < 0)
		goto fail;
	n = close(fd);
	fd = -1;
	if (n < 0 || rename(tmp, path) < 0)
		goto fail;
	return 0;
fail:
	close_fd(&fd);
	n = errno;
	unlink(tmp);
	errno = n;
	return -1;
}

/* ---- logging ---- */

static const char *level_name(int level)
{
	static const char *const names[] = { "FATAL", "ERROR", "WARN", "INFO",
					     "DEBUG", "TRACE", "ALL" };

	if (level < 0 || level >= (int)(sizeof(names) / sizeof(names[0])))
		return "LEVEL?";
	return names[level];
}

/*
 * The vlog handed to the plugin. One line per call; a trailing newline in
 * the message is dropped so the output stays one line per record.
 */
void pvhost_vlog(char *module, int level, const char *fmt, ...)
{
	char msg[PVHOST_LOG_LINE * 2];
	struct pvhost *h = g_host;
	FILE *out = stderr;
	const char *prefix = "";
	va_list ap;
	size_t len;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt ? fmt : "(null)", ap);
	va_end(ap);
	len = strlen(msg);
	while (len && (msg[len - 1] == '\n' || msg[len - 1] == '\r'))
		msg[--len] = '\0';
	if (!module)
		module = "(null)";

	if (h && getpid() != h->host_pid) {
		char line[PVHOST_LOG_LINE];
		int n = snprintf(line, sizeof(line), "[%.64s] %.6s %.*s\n",
				 module, level_name(level),
				 PVHOST_LOG_LINE - 80, msg);

		/* one write under PIPE_BUF: lines never interleave */
		if (n > 0 && write(h->child_log[1], line, (size_t)n) < 0)
			fprintf(stderr, "pvhost: a child's log line was lost\n");
		fprintf(h->opts.log ? h->opts.log : stderr, "%s%s",
			h->opts.log_prefix ? h->opts.log_prefix : "", line);
		fflush(h->opts.log ? h->opts.log : stderr);
		return;
	}
	if (h) {
		if (h->err)
			out = h->err;
		if (h->opts.log)
			out = h->opts.log;
		if (h->opts.log_prefix)
			prefix = h->opts.log_prefix;
		/* Bounded fields: a ring line is cut, never overflows. */
		snprintf(h->ring[h->ring_next % PVHOST_LOG_RING],
			 PVHOST_LOG_LINE, "[%.64s] %.6s %.*s", module,
			 level_name(level), PVHOST_LOG_LINE - 80, msg);
		h->ring_next++;
	}
	fprintf(out, "%s[%s] %s %s\n", prefix, module, level_name(level), msg);
	fflush(out);
}

bool pvhost_log_contains(struct pvhost *h, const char *needle)
{
	return pvhost_log_count(h, needle) > 0;
}

/*
 * The plugin's helpers are programs of their own, without the injected
 * vlog: they write their lines to the stderr they inherit, and the start
 * helper to the platform's logfd as well. Here the core's stderr is, during
 * the calls that spawn helpers, the pipe that feeds the ring, as if the
 * core collected its stderr into its log; the host's own lines go to
 * h->err meanwhile.
 */
static int stderr_to_ring(struct pvhost *h)
{
	int saved;

	fflush(stderr);
	saved = fcntl(2, F_DUPFD_CLOEXEC, 3);
	if (saved >= 0 && dup2(h->child_log[1], 2) < 0) {
		close(saved);
		saved = -1;
	}
	return saved;
}

static void stderr_back(int saved)
{
	if (saved < 0)
		return;
	dup2(saved, 2);
	close(saved);
}

static int start_with_stderr(struct pv_platform *p, const char *rev,
			     char *conf_file, int logfd, int pipefd)
{
	struct pvhost *h = g_host;
	int saved = stderr_to_ring(h), ret;
	double t0 = pvhost_now_ms();

	ret = h->real.start(p, rev, conf_file, logfd, pipefd);
	h->last_call_ms = pvhost_now_ms() - t0;
	stderr_back(saved);
	return ret;
}

static void stop_with_stderr(struct pv_platform *p, char *conf_file)
{
	struct pvhost *h = g_host;
	int saved = stderr_to_ring(h);
	double t0 = pvhost_now_ms();

	h->real.stop(p, conf_file);
	h->last_call_ms = pvhost_now_ms() - t0;
	stderr_back(saved);
}

/* Moves the lines children sent into the ring. */
static void drain_child_log(struct pvhost *h)
{
	static char part[PVHOST_LOG_LINE];
	static size_t part_len;
	char buf[4096];
	ssize_t n;

	while ((n = read(h->child_log[0], buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] != '\n') {
				if (part_len + 1 < sizeof(part))
					part[part_len++] = buf[i];
				continue;
			}
			part[part_len] = '\0';
			snprintf(h->ring[h->ring_next % PVHOST_LOG_RING],
				 PVHOST_LOG_LINE, "%s", part);
			h->ring_next++;
			part_len = 0;
			/* an exec'd helper's line: the host's log has it too */
			if (strncmp(part, "[", 1) && (h->opts.log || h->err)) {
				FILE *out = h->opts.log ? h->opts.log : h->err;

				fprintf(out, "%s%s\n",
					h->opts.log_prefix ? h->opts.log_prefix :
							     "",
					h->ring[(h->ring_next - 1) %
						PVHOST_LOG_RING]);
				fflush(out);
			}
		}
	}
}

int pvhost_log_count(struct pvhost *h, const char *needle)
{
	unsigned int n;
	int count = 0;

	drain_child_log(h);
	n = h->ring_next < PVHOST_LOG_RING ? h->ring_next : PVHOST_LOG_RING;

	for (unsigned int i = 0; i < n; i++)
		if (strstr(h->ring[i], needle))
			count++;
	return count;
}

bool pvhost_log_wait(struct pvhost *h, const char *needle, int timeout_ms)
{
	double deadline = pvhost_now_ms() + timeout_ms;

	while (!pvhost_log_contains(h, needle)) {
		struct pollfd pfd = { h->child_log[0], POLLIN, 0 };
		int left = ms_left(deadline);

		if (left <= 0)
			return false;
		/* a helper's next line, or the deadline */
		if (poll(&pfd, 1, left) < 0 && errno != EINTR)
			return false;
	}
	return true;
}

void pvhost_log_clear(struct pvhost *h)
{
	drain_child_log(h);
	memset(h->ring, 0, sizeof(h->ring));
	h->ring_next = 0;
}

/* ---- injected path builders (contract section 4) ---- */

__attribute__((format(printf, 3, 4))) static void
build_path(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	/* Like Pantavisor: keep the truncated path, but say so. */
	if (n < 0 || (size_t)n >= size) {
		if (g_host)
			g_host->path_truncations++;
		pvhost_vlog(MODULE, PV_LOG_WARN,
			    "path truncated to %zu bytes: '%s'", size,
			    size ? buf : "");
	}
}

static void path_pv_file(char *buf, size_t size, const char *name)
{
	build_path(buf, size, "%s/pv/%s", g_sandbox, name);
}

static void path_pv_log(char *buf, size_t size, const char *rev)
{
	build_path(buf, size, "%s/pv/logs/%s", g_sandbox, rev);
}

static void path_pv_log_plat(char *buf, size_t size, const char *rev,
			     const char *plat)
{
	build_path(buf, size, "%s/pv/logs/%s/%s", g_sandbox, rev, plat);
}

static void path_pv_log_file(char *buf, size_t size, const char *rev,
			     const char *plat, const char *name)
{
	build_path(buf, size, "%s/pv/logs/%s/%s/%s", g_sandbox, rev, plat,
		   name);
}

static void path_usrmeta_key(char *buf, size_t size, const char *key)
{
	build_path(buf, size, "%s/pv/user-meta/%s", g_sandbox, key);
}

static void path_usrmeta_plat_key(char *buf, size_t size, const char *plat,
				  const char *key)
{
	build_path(buf, size, "%s/pv/user-meta.%s/%s", g_sandbox, plat, key);
}

static void path_devmeta_key(char *buf, size_t size, const char *key)
{
	build_path(buf, size, "%s/pv/device-meta/%s", g_sandbox, key);
}

static void path_devmeta_plat_key(char *buf, size_t size, const char *plat,
				  const char *key)
{
	build_path(buf, size, "%s/pv/device-meta.%s/%s", g_sandbox, plat, key);
}

static void path_lib_hook(char *buf, size_t size, const char *name)
{
	build_path(buf, size, "%s/lib/pv/hooks_lxc-mount.d/%s", g_sandbox,
		   name);
}

static void path_volumes_plat_file(char *buf, size_t size, const char *plat,
				   const char *name)
{
	build_path(buf, size, "%s/%s/%s", g_volumes, plat, name);
}

static void path_configs_file(char *buf, size_t size, const char *name)
{
	build_path(buf, size, "%s/configs/%s", g_sandbox, name);
}

static void path_lib_lxc_rootfs_mount(char *buf, size_t size)
{
	build_path(buf, size, "%s/usr/lib/lxc/rootfs", g_sandbox);
}

static void path_lib_lxc_lxcpath(char *buf, size_t size)
{
	build_path(buf, size, "%s/usr/var/lib/lxc", g_sandbox);
}

/*
 * Stands for the core's pv_get_instance(). struct pantavisor is private and
 * its layout changes, so a plugin must never read it: NULL makes a plugin
 * that does crash in the tests instead of reading garbage on a device.
 */
static void *instance_fn(void)
{
	if (g_host)
		g_host->instance_calls++;
	return NULL;
}

/* ---- loading ---- */

/* PID 1 mode: reap every child, like the core's SIGCHLD handler. */
static void reap_children(int sig)
{
	int saved = errno;

	(void)sig;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	errno = saved;
}

static int bind_socket(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = -1;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	/* A socket file left by an earlier run in the same sandbox. */
	if (unlink(path) < 0 && errno != ENOENT)
		goto fail;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 8) < 0)
		goto fail;
	return fd;
fail:
	close_fd(&fd);
	return -1;
}

static int make_sandbox(struct pvhost *h)
{
	static const char *const dirs[] = {
		"pv/logs",
		"pv/user-meta",
		"pv/device-meta",
		"lib/pv/hooks_lxc-mount.d",
		"usr/lib/lxc/rootfs",
		"usr/var/lib/lxc",
	};
	char path[PATH_MAX];

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		if (join(path, sizeof(path), h->sandbox, dirs[i]) < 0 ||
		    pvhost_mkdir_p(path, 0755) < 0) {
			pvhost_vlog(MODULE, PV_LOG_ERROR,
				    "cannot create '%s/%s': %s", h->sandbox,
				    dirs[i], strerror(errno));
			return -1;
		}
	}
	if (join(path, sizeof(path), h->sandbox, "pv/pv-ctrl") < 0 ||
	    (h->ctrl_fd = bind_socket(path)) < 0)
		goto sock_fail;
	if (join(path, sizeof(path), h->sandbox, "pv/pv-ctrl-log") < 0 ||
	    (h->ctrl_log_fd = bind_socket(path)) < 0)
		goto sock_fail;
	return 0;
sock_fail:
	pvhost_vlog(MODULE, PV_LOG_ERROR, "cannot bind '%s': %s", path,
		    strerror(errno));
	return -1;
}

static void *resolve(struct pvhost *h, const char *name, bool required,
		     int *missing)
{
	void *sym;

	dlerror();
	sym = dlsym(h->dl, name);
	if (!sym && required) {
		const char *err = dlerror();

		pvhost_vlog(MODULE, PV_LOG_ERROR, "plugin lacks '%s': %s", name,
			    err ? err : "NULL symbol");
		(*missing)++;
	}
	return sym;
}

void pvhost_opts_init(struct pvhost_opts *o, const char *plugin)
{
	memset(o, 0, sizeof(*o));
	o->plugin = plugin;
	o->pid1 = true;
	o->loglevel = 2;
	o->capture = true;
}

struct pvhost *pvhost_load(const struct pvhost_opts *o)
{
	struct pvhost *h = NULL;
	int missing = 0;
	int err;

	if (!o || !o->plugin) {
		errno = EINVAL;
		return NULL;
	}
	if (g_host) {
		pvhost_vlog(MODULE, PV_LOG_ERROR,
			    "a pvhost is already loaded in this process");
		errno = EBUSY;
		return NULL;
	}
	h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->opts = *o;
	h->ctrl_fd = -1;
	h->ctrl_log_fd = -1;
	h->host_pid = getpid();
	if (pipe2(h->child_log, O_CLOEXEC | O_NONBLOCK) < 0) {
		free(h);
		return NULL;
	}
	/* stderr as it is now: the host's lines while fd 2 feeds the ring */
	{
		int fd = fcntl(2, F_DUPFD_CLOEXEC, 3);

		h->err = fd >= 0 ? fdopen(fd, "w") : NULL;
		if (!h->err && fd >= 0)
			close(fd);
		if (h->err)
			setvbuf(h->err, NULL, _IONBF, 0);
	}
	g_host = h;

	if (o->sandbox) {
		if (strlen(o->sandbox) >= sizeof(h->sandbox)) {
			errno = ENAMETOOLONG;
			goto fail;
		}
		strcpy(h->sandbox, o->sandbox);
		if (pvhost_mkdir_p(h->sandbox, 0755) < 0) {
			pvhost_vlog(MODULE, PV_LOG_ERROR,
				    "cannot create sandbox '%s': %s",
				    h->sandbox, strerror(errno));
			goto fail;
		}
	} else {
		strcpy(h->sandbox, "/tmp/pvhost.XXXXXX");
		if (!mkdtemp(h->sandbox)) {
			pvhost_vlog(MODULE, PV_LOG_ERROR,
				    "cannot make a sandbox: %s",
				    strerror(errno));
			goto fail;
		}
		h->sandbox_made = true;
	}
	h->opts.sandbox = h->sandbox;
	strcpy(g_sandbox, h->sandbox);
	if ((size_t)snprintf(g_volumes, sizeof(g_volumes), "%s%s",
			     o->volumes ? o->volumes : h->sandbox,
			     o->volumes ? "" : "/volumes") >= sizeof(g_volumes)) {
		errno = ENAMETOOLONG;
		goto fail;
	}
	h->opts.volumes = NULL; /* o->volumes may not outlive the call */
	strcpy(h->volumes, g_volumes);
	if (make_sandbox(h) < 0)
		goto fail;

	/*
	 * PID 1 inherits orphans from the start, the plugin's first helper
	 * (started once it has its paths) among them.
	 */
	if (o->pid1 && prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) {
		pvhost_vlog(MODULE, PV_LOG_ERROR, "cannot act as PID 1: %s",
			    strerror(errno));
		goto fail;
	}
	/* Exactly the core's call: no RTLD_GLOBAL, no RTLD_DEEPBIND. */
	h->dl = dlopen(o->plugin, RTLD_NOW);
	if (!h->dl) {
		pvhost_vlog(MODULE, PV_LOG_ERROR, "cannot load '%s': %s",
			    o->plugin, dlerror());
		errno = ENOEXEC;
		goto fail;
	}
	/* The core's look-up order (contract section 1). */
	h->fn.start = resolve(h, "pv_start_container", true, &missing);
	h->fn.stop = resolve(h, "pv_stop_container", true, &missing);
	h->fn.set_loglevel =
		resolve(h, "pv_set_pv_conf_loglevel_fn", true, &missing);
	h->fn.set_capture =
		resolve(h, "pv_set_pv_conf_capture_fn", true, &missing);
	h->fn.console_log_getfd =
		resolve(h, "pv_console_log_getfd", true, &missing);
	h->fn.set_instance =
		resolve(h, "pv_set_pv_instance_fn", true, &missing);
	h->fn.set_paths = resolve(h, "pv_set_pv_paths_fn", true, &missing);
	h->fn.validate =
		resolve(h, "pv_validate_container_config", false, &missing);
	h->fn.enumerate_static_ips =
		resolve(h, "pv_enumerate_static_ips", false, &missing);
	if (missing) {
		errno = ENOSYS;
		goto fail;
	}
	h->real = h->fn;
	h->fn.start = start_with_stderr;
	h->fn.stop = stop_with_stderr;

	h->fn.set_instance((void *)instance_fn);
	h->fn.set_paths(
		(void *)pvhost_vlog, (void *)path_pv_file, (void *)path_pv_log,
		(void *)path_pv_log_plat, (void *)path_pv_log_file,
		(void *)path_usrmeta_key, (void *)path_usrmeta_plat_key,
		(void *)path_devmeta_key, (void *)path_devmeta_plat_key,
		(void *)path_lib_hook, (void *)path_volumes_plat_file,
		(void *)path_configs_file, (void *)path_lib_lxc_rootfs_mount,
		(void *)path_lib_lxc_lxcpath);

	if (o->pid1) {
		struct sigaction sa = { .sa_handler = reap_children,
					.sa_flags = SA_RESTART | SA_NOCLDSTOP };

		sigemptyset(&sa.sa_mask);
		if (sigaction(SIGCHLD, &sa, &g_old_chld) < 0) {
			pvhost_vlog(MODULE, PV_LOG_ERROR,
				    "cannot act as PID 1: %s", strerror(errno));
			goto fail;
		}
		/* Children that exited before the handler existed. */
		reap_children(SIGCHLD);
	}
	return h;
fail:
	/*
	 * The plugin, if loaded, stays mapped: its constructors have run and
	 * Pantavisor never unloads it either.
	 */
	err = errno;
	if (o->pid1)
		prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
	close_fd(&h->ctrl_fd);
	close_fd(&h->ctrl_log_fd);
	g_host = NULL;
	free(h);
	errno = err;
	return NULL;
}

void pvhost_unload(struct pvhost *h)
{
	if (!h)
		return;
	if (h->opts.pid1) {
		sigaction(SIGCHLD, &g_old_chld, NULL);
		prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
	}
	close_fd(&h->ctrl_fd);
	close_fd(&h->ctrl_log_fd);
	close_fd(&h->child_log[0]);
	close_fd(&h->child_log[1]);
	if (h->err)
		fclose(h->err);
	if (g_host == h)
		g_host = NULL;
	free(h);
}

/* ---- platform: start, pid, console, stop ---- */

int pvhost_plat_init(struct pvhost_plat *pl, const char *name, const char *conf)
{
	memset(pl, 0, sizeof(*pl));
	if (strlen(conf) >= sizeof(pl->conf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	snprintf(pl->name, sizeof(pl->name), "%s", name);
	strcpy(pl->conf, conf);
	strcpy(pl->rev, "0");
	pl->group = "platform";
	pl->automodfw = true;
	pl->std_log = true;
	pl->p.log.console_tty = -1;
	pl->p.log.console_pt = -1;
	pl->p.log.lxc_pipe[0] = -1;
	pl->p.log.lxc_pipe[1] = -1;
	pl->p.pipefd[0] = -1;
	pl->p.pipefd[1] = -1;
	pl->console_fd = -1;
	pl->tty_fd = -1;
	return 0;
}

#if PV_LXCCLI_CORE == PV_LXCCLI_CORE_2026_08
/*
 * p->network as the core's run.json parser leaves it: mode pool, hostname,
 * one interface eth0 in a circular list, the lease fields still NULL.
 */
static void fill_network(struct pvhost_plat *pl)
{
	struct pv_platform_network *net = &pl->net;
	struct pv_platform_network_iface *i = &pl->iface;

	pl->p.network = NULL;
	if (!pl->pool)
		return;
	memset(net, 0, sizeof(*net));
	memset(i, 0, sizeof(*i));
	net->mode = PV_NET_MODE_POOL;
	net->hostname = (char *)pl->pool->hostname;
	i->name = "eth0";
	i->pool = (char *)pl->pool->pool;
	net->interfaces.next = net->interfaces.prev = &i->list;
	i->list.next = i->list.prev = &net->interfaces;
	pl->p.network = net;
}

/* What the core's IPAM fills in after validation, before the start. */
static void lease_network(struct pvhost_plat *pl)
{
	if (!pl->pool)
		return;
	pl->iface.ipv4_address = (char *)pl->pool->ipv4_address;
	pl->iface.ipv4_gateway = (char *)pl->pool->ipv4_gateway;
	pl->iface.bridge = (char *)pl->pool->bridge;
	pl->iface.mac_address = (char *)pl->pool->mac_address;
}
#endif

/* Copies the caller's inputs into the struct pv_platform the plugin sees. */
static void fill_platform(struct pvhost_plat *pl)
{
	struct pv_platform *p = &pl->p;

	p->name = pl->name;
	p->type = "lxc";
	pl->configs[0] = pl->conf;
	pl->configs[1] = NULL;
	p->configs = pl->configs;
	p->exec = (char *)pl->exec;
	p->init_pid = 0;
	pl->g.name = (char *)pl->group;
	p->group = pl->group ? &pl->g : NULL;
	p->roles = pl->mgmt ? PLAT_ROLE_MGMT : 0;
	p->automodfw = pl->automodfw;
	p->export = pl->export_;
#if PV_LXCCLI_CORE == PV_LXCCLI_CORE_2026_08
	p->std_log = pl->std_log;
	fill_network(pl);
#endif
	pl->validate_ret = 0;
	pl->start_ret = 0;
	pl->pid = 0;
	pl->pid_value = 0;
	pl->pid_read = false;
	pl->pid_eof = false;
	pl->console_ret = 0;
	pl->stop_called = false;
	pl->killed = false;
	pl->start_call_ms = pl->pid_ms = 0;
	pl->stop_call_ms = pl->stop_gone_ms = 0;
	pl->console.len = 0;
	pl->console.eof = false;
	pl->log.len = 0;
	pl->log.eof = false;
}

int pvhost_start(struct pvhost *h, struct pvhost_plat *pl)
{
	struct pv_platform *p = &pl->p;
	bool validate = pl->export_;
	int ret;

	if (p->pipefd[0] >= 0 || p->log.lxc_pipe[0] >= 0 ||
	    p->log.console_pt >= 0 || p->log.console_tty >= 0) {
		pvhost_vlog(MODULE, PV_LOG_ERROR,
			    "platform '%s' was not stopped", pl->name);
		errno = EBUSY;
		return -1;
	}
	fill_platform(pl);

	/* The core makes the log pipe first, before any plugin call. */
	if (!pl->no_logfd &&
	    pipe2(p->log.lxc_pipe, O_NONBLOCK | O_CLOEXEC) < 0) {
		pvhost_vlog(MODULE, PV_LOG_ERROR, "cannot make log pipe: %s",
			    strerror(errno));
		return -1;
	}
	h->fn.set_loglevel(h->opts.loglevel);
	h->fn.set_capture(h->opts.capture);
#if PV_LXCCLI_CORE == PV_LXCCLI_CORE_2026_08
	validate = validate || pl->pool;
#endif
	if (validate && h->fn.validate) {
		pl->validate_ret = h->fn.validate(p, pl->conf);
		if (pl->validate_ret) {
			pvhost_vlog(MODULE, PV_LOG_WARN,
				    "platform '%s' config refused (%d)",
				    pl->name, pl->validate_ret);
			pl->start_ret = pl->validate_ret;
			return pl->validate_ret;
		}
	}
#if PV_LXCCLI_CORE == PV_LXCCLI_CORE_2026_08
	lease_network(pl);
#endif
	if (pipe2(p->pipefd, O_NONBLOCK | O_CLOEXEC) < 0) {
		pvhost_vlog(MODULE, PV_LOG_ERROR, "cannot make pid pipe: %s",
			    strerror(errno));
		return -1;
	}

	pl->start_t0_ms = pvhost_now_ms();
	ret = h->fn.start(p, pl->rev, pl->conf, p->log.lxc_pipe[1],
			  p->pipefd[1]);
	pl->start_call_ms = h->last_call_ms;
	pl->start_ret = ret;
	/* Only the plugin (or what it spawned) may hold the write end now. */
	if (ret == 0)
		close_fd(&p->pipefd[1]);
	else
		pvhost_vlog(MODULE, PV_LOG_WARN,
			    "platform '%s' start returned %d", pl->name, ret);
	return ret;
}

static void warn_if_inheritable(const char *what, int fd)
{
	int flags = fcntl(fd, F_GETFD);

	if (flags < 0)
		pvhost_vlog(MODULE, PV_LOG_WARN,
			    "plugin handed %s fd %d that is not open: %s", what,
			    fd, strerror(errno));
	else if (!(flags & FD_CLOEXEC))
		pvhost_vlog(MODULE, PV_LOG_WARN,
			    "plugin handed %s fd %d without FD_CLOEXEC", what,
			    fd);
}

pid_t pvhost_wait_pid(struct pvhost *h, struct pvhost_plat *pl, int timeout_ms)
{
	struct pv_platform *p = &pl->p;
	double deadline = pvhost_now_ms() + timeout_ms;
	pid_t value;
	ssize_t n;

	if (pl->pid_read)
		return pl->pid > 0 ? pl->pid : -1;
	if (p->pipefd[0] < 0) {
		errno = EBADF;
		return -1;
	}
	for (;;) {
		struct pollfd pfd = { .fd = p->pipefd[0], .events = POLLIN };
		int r = poll(&pfd, 1, ms_left(deadline));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0) {
			errno = ETIMEDOUT;
			return 0;
		}
		/* The core's single read: a pid split over writes is a bug. */
		n = read(p->pipefd[0], &value, sizeof(value));
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		break;
	}
	pl->pid_read = true;
	pl->pid_ms = pvhost_now_ms() - pl->start_t0_ms;
	if (n < 0) {
		pvhost_vlog(MODULE, PV_LOG_ERROR, "pid pipe read failed: %s",
			    strerror(errno));
		return -1;
	}
	if (n == 0) {
		pl->pid_eof = true;
		pvhost_vlog(MODULE, PV_LOG_WARN,
			    "pid pipe of '%s' closed with nothing written",
			    pl->name);
		return -1;
	}
	if (n != sizeof(value)) {
		pvhost_vlog(MODULE, PV_LOG_ERROR,
			    "pid pipe of '%s' gave %zd bytes, not %zu",
			    pl->name, n, sizeof(value));
		return -1;
	}
	pl->pid_value = value;
	p->init_pid = value;
	if (value <= 0) {
		pvhost_vlog(MODULE, PV_LOG_WARN,
			    "platform '%s' reported pid %d", pl->name,
			    (int)value);
		return -1;
	}
	pl->pid = value;

	pl->console_ret = h->fn.console_log_getfd(p, &p->log);
	if (pl->console_ret == 0) {
		pl->console_fd = p->log.console_pt;
		pl->tty_fd = p->log.console_tty;
		if (pl->console_fd >= 0) {
			int fl = fcntl(pl->console_fd, F_GETFL);

			warn_if_inheritable("console_pt", pl->console_fd);
			/* As the core's log server does with it. */
			if (fl >= 0)
				fcntl(pl->console_fd, F_SETFL, fl | O_NONBLOCK);
		}
		if (pl->tty_fd >= 0)
			warn_if_inheritable("console_tty", pl->tty_fd);
	} else {
		pl->console_fd = -1;
		pl->tty_fd = -1;
	}
	return value;
}

/* Hands out buffered bytes first: earlier waits may have read ahead. */
static ssize_t stream_take(struct pvhost_stream *s, char *buf, size_t size)
{
	size_t n = s->len < size ? s->len : size;

	memcpy(buf, s->buf, n);
	memmove(s->buf, s->buf + n, s->len - n);
	s->len -= n;
	return n;
}

/*
 * One read after polling fd up to deadline. EIO is what a PTY master
 * returns once every slave is closed: the core's log server treats it as
 * EOF, so do we.
 */
static ssize_t read_deadline(int fd, struct pvhost_stream *s, char *buf,
			     size_t size, double deadline)
{
	if (fd < 0) {
		errno = EBADF;
		return -1;
	}
	if (s->eof)
		return 0;
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int r = poll(&pfd, 1, ms_left(deadline));
		ssize_t n;

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		n = read(fd, buf, size);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n == 0 || (n < 0 && errno == EIO)) {
			s->eof = true;
			return 0;
		}
		return n;
	}
}

static ssize_t stream_read(int fd, struct pvhost_stream *s, char *buf,
			   size_t size, int timeout_ms)
{
	if (s->len)
		return stream_take(s, buf, size);
	return read_deadline(fd, s, buf, size, pvhost_now_ms() + timeout_ms);
}

static bool stream_wait_for(int fd, struct pvhost_stream *s, const char *needle,
			    int timeout_ms)
{
	double deadline = pvhost_now_ms() + timeout_ms;
	size_t nlen = strlen(needle);

	for (;;) {
		char *hit = memmem(s->buf, s->len, needle, nlen);
		ssize_t n;

		if (hit) {
			size_t used = hit - s->buf + nlen;

			memmove(s->buf, s->buf + used, s->len - used);
			s->len -= used;
			return true;
		}
		/* Full and no match: keep the newer half, the match may
		 * start in it. */
		if (s->len == sizeof(s->buf)) {
			size_t keep = sizeof(s->buf) / 2;

			memmove(s->buf, s->buf + s->len - keep, keep);
			s->len = keep;
		}
		n = read_deadline(fd, s, s->buf + s->len,
				  sizeof(s->buf) - s->len, deadline);
		if (n <= 0)
			return false;
		s->len += n;
	}
}

ssize_t pvhost_read_console(struct pvhost_plat *pl, char *buf, size_t size,
			    int timeout_ms)
{
	return stream_read(pl->console_fd, &pl->console, buf, size, timeout_ms);
}

ssize_t pvhost_read_log(struct pvhost_plat *pl, char *buf, size_t size,
			int timeout_ms)
{
	return stream_read(pl->p.log.lxc_pipe[0], &pl->log, buf, size,
			   timeout_ms);
}

bool pvhost_console_wait_for(struct pvhost_plat *pl, const char *needle,
			     int timeout_ms)
{
	return stream_wait_for(pl->console_fd, &pl->console, needle,
			       timeout_ms);
}

bool pvhost_log_wait_for(struct pvhost_plat *pl, const char *needle,
			 int timeout_ms)
{
	return stream_wait_for(pl->p.log.lxc_pipe[0], &pl->log, needle,
			       timeout_ms);
}

/*
 * Waits until kill(pid, 0) fails, as the core checks liveness. Rather than
 * ticking, it sleeps in poll() on a pidfd, which turns readable when init
 * exits. An exited init stays visible to kill() until LXC's monitor reaps
 * it, and nothing tells a non-parent about that reap, so only in that short
 * window does it tick, at 1 ms.
 */
static bool wait_gone(pid_t pid, int pidfd, double deadline)
{
	bool exited = false;

	for (;;) {
		struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
		int left, r;

		if (kill(pid, 0) < 0 && errno == ESRCH)
			return true;
		left = ms_left(deadline);
		if (left == 0)
			return false;
		if (pidfd < 0 || exited) {
			r = poll(NULL, 0, left < 1 ? left : 1);
			continue;
		}
		r = poll(&pfd, 1, left);
		if (r > 0)
			exited = true;
	}
}

int pvhost_stop(struct pvhost *h, struct pvhost_plat *pl, int *killed)
{
	struct pv_platform *p = &pl->p;
	pid_t pid = p->init_pid;
	int pidfd = -1;
	double t1;
	bool gone;

	if (killed)
		*killed = 0;
	/* The core's order: console fds, both log pipe ends, pid pipe. */
	close_fd(&p->log.console_tty);
	close_fd(&p->log.console_pt);
	pl->console_fd = -1;
	pl->tty_fd = -1;
	close_fd(&p->log.lxc_pipe[0]);
	close_fd(&p->log.lxc_pipe[1]);
	close_fd(&p->pipefd[0]);
	close_fd(&p->pipefd[1]);
	if (pid <= 0)
		return 0;

	/* Pins init's identity, so the SIGKILL below cannot hit a reused
	 * pid. ESRCH just means init is already gone. */
	pidfd = syscall(SYS_pidfd_open, pid, 0);

	h->fn.stop(p, NULL);
	t1 = pvhost_now_ms();
	pl->stop_call_ms = h->last_call_ms;
	pl->stop_called = true;

	gone = wait_gone(pid, pidfd, t1 + PVHOST_STOP_GRACE_MS);
	if (!gone) {
		pvhost_vlog(MODULE, PV_LOG_WARN,
			    "init %d of '%s' still there %d ms after stop, "
			    "killing it",
			    (int)pid, pl->name, PVHOST_STOP_GRACE_MS);
		if (pidfd < 0 ||
		    syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0) < 0)
			kill(pid, SIGKILL);
		pl->killed = true;
		if (killed)
			*killed = 1;
		if (!wait_gone(pid, pidfd, pvhost_now_ms() + 2000))
			pvhost_vlog(MODULE, PV_LOG_ERROR,
				    "init %d of '%s' survived SIGKILL",
				    (int)pid, pl->name);
	}
	pl->stop_gone_ms = pvhost_now_ms() - t1;
	close_fd(&pidfd);
	return gone ? 0 : -1;
}

/* ---- process and fd counting ---- */

/* The getdents64 record; glibc only declares it from 2.30 under _GNU_SOURCE. */
struct fd_dirent {
	unsigned long long d_ino;
	long long d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

void pvhost_cloexec_from(int low)
{
	char buf[1024];
	long n;
	int dfd;

#ifdef SYS_close_range
	if (syscall(SYS_close_range, low, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
		return;
#endif
	/* ENOSYS before Linux 5.9, EINVAL for the flag before 5.11 */
	dfd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		for (int fd = low; fd < 1024; fd++)
			fcntl(fd, F_SETFD, FD_CLOEXEC);
		return;
	}
	while ((n = syscall(SYS_getdents64, dfd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < n;) {
			struct fd_dirent *d = (void *)(buf + off);
			char *end;
			long fd = strtol(d->d_name, &end, 10);

			if (d->d_name[0] != '.' && !*end && fd >= low &&
			    fd != dfd)
				fcntl((int)fd, F_SETFD, FD_CLOEXEC);
			off += d->d_reclen;
		}
	}
	close(dfd);
}

int pvhost_count_fds_of(pid_t pid)
{
	char path[64];
	struct dirent *e;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	d = opendir(path);
	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return pid == getpid() ? n - 1 : n; /* the listing's own fd */
}

int pvhost_count_fds(void)
{
	return pvhost_count_fds_of(getpid());
}

enum child_kind { CHILD_ANY, CHILD_ZOMBIE, CHILD_LIVE, CHILD_FORKER };

/*
 * Whether the live process pid's argv (its title) starts with want, NULs
 * and the last one included: the title area may go on with NULs.
 */
static bool has_title(const char *pid, const char *want, size_t len)
{
	char path[64], buf[64];
	ssize_t got;
	int fd;

	snprintf(path, sizeof(path), "/proc/%.20s/cmdline", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || len > sizeof(buf)) {
		if (fd >= 0)
			close(fd);
		return false;
	}
	got = read(fd, buf, len);
	close(fd);
	return got == (ssize_t)len && !memcmp(buf, want, len);
}

static const char forker_title[] = "pv_lxccli-helper\0-\0forker";
static const char spare_title[] = "pv_lxccli-helper\0-\0spare";

/* The plugin's helper forker. */
static bool is_forker(const char *pid)
{
	return has_title(pid, forker_title, sizeof(forker_title));
}

/*
 * A child of the forker that has no job yet: a spare, or a child forked
 * an instant ago that still has the forker's title. One that took a job
 * and has not named itself yet is one too: as a message not read yet, it
 * is not a helper so far.
 */
static bool is_spare(const char *pid)
{
	return has_title(pid, spare_title, sizeof(spare_title)) || is_forker(pid);
}

/*
 * Counts the children of parent of one kind by reading /proc/<pid>/stat;
 * when pids is not NULL, also stores up to max of their pids. Of the
 * forker's children (of_forker) the spares are left out.
 */
static int list_children_of(pid_t parent, enum child_kind kind, pid_t *pids,
			    int max, bool of_forker)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		char path[64], buf[512];
		const char *rp;
		char state;
		int ppid, fd;
		ssize_t len;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		if (snprintf(path, sizeof(path), "%.20s/stat", e->d_name) >=
		    (int)sizeof(path))
			continue;
		fd = openat(dirfd(d), path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue; /* it went away meanwhile */
		len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (len <= 0)
			continue;
		buf[len] = '\0';
		/* comm may hold spaces and ')': fields follow the last ')'. */
		rp = strrchr(buf, ')');
		if (!rp || sscanf(rp + 1, " %c %d", &state, &ppid) != 2)
			continue;
		if (ppid != parent)
			continue;
		if (state == 'Z' ? kind == CHILD_LIVE || kind == CHILD_FORKER :
				   kind == CHILD_ZOMBIE)
			continue;
		/* a zombie has no cmdline: a dead forker is counted */
		if (state != 'Z' &&
		    (of_forker ? is_spare(e->d_name) :
				 is_forker(e->d_name) != (kind == CHILD_FORKER)))
			continue;
		if (pids && n < max)
			pids[n] = atoi(e->d_name);
		n++;
	}
	closedir(d);
	return n;
}

/*
 * This process's children of one kind, and the forker's: the helpers it
 * forks are what exec'd helpers, the host's children, would be.
 */
static int list_children(enum child_kind kind, pid_t *pids, int max)
{
	pid_t forker[4];
	int n, f, more;

	f = list_children_of(getpid(), CHILD_FORKER, forker, 4, false);
	n = list_children_of(getpid(), kind, pids, max, false);
	for (int i = 0; n >= 0 && i < f && i < 4; i++) {
		more = list_children_of(forker[i], kind,
					pids ? pids + (n < max ? n : max) :
					       NULL,
					n < max ? max - n : 0, true);
		n = more < 0 ? -1 : n + more;
	}
	return n;
}

int pvhost_count_children(void)
{
	return list_children(CHILD_ANY, NULL, 0);
}

pid_t pvhost_forker_pid(void)
{
	pid_t pid[2] = { 0, 0 };
	int n = list_children_of(getpid(), CHILD_FORKER, pid, 2, false);

	return n > 1 ? -1 : pid[0];
}

/* The parent of the process named by its /proc entry, or -1. */
static int ppid_of(const char *pid)
{
	char path[64], buf[512];
	const char *rp;
	int ppid = -1, fd;
	ssize_t len;

	snprintf(path, sizeof(path), "/proc/%.20s/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return -1;
	buf[len] = '\0';
	rp = strrchr(buf, ')');
	if (!rp || sscanf(rp + 1, " %*c %d", &ppid) != 1)
		return -1;
	return ppid;
}

pid_t pvhost_spare_pid(void)
{
	pid_t forker = pvhost_forker_pid(), spare = 0;
	struct dirent *e;
	DIR *d;

	if (forker <= 0 || !(d = opendir("/proc")))
		return 0;
	while (!spare && (e = readdir(d)))
		if (e->d_name[0] >= '0' && e->d_name[0] <= '9' &&
		    ppid_of(e->d_name) == forker &&
		    has_title(e->d_name, spare_title, sizeof(spare_title)))
			spare = atoi(e->d_name);
	closedir(d);
	return spare;
}

int pvhost_wait_reaped(int timeout_ms)
{
	double deadline = pvhost_now_ms() + timeout_ms;

	/* nothing tells when another's reaper has run: a 1 ms tick */
	while (pvhost_count_zombie_children() > 0) {
		if (ms_left(deadline) == 0)
			return -1;
		poll(NULL, 0, 1);
	}
	return 0;
}

int pvhost_count_zombie_children(void)
{
	return list_children(CHILD_ZOMBIE, NULL, 0);
}

int pvhost_wait_children(int max_live, int timeout_ms)
{
	double deadline = pvhost_now_ms() + timeout_ms;
	enum { MAX = 64 };

	for (;;) {
		struct pollfd pfd[MAX];
		pid_t pids[MAX];
		int n = list_children(CHILD_LIVE, pids, MAX), k = 0, r;

		if (n < 0)
			return -1;
		if (n <= max_live)
			return 0;
		if (ms_left(deadline) == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		/* A pidfd turns readable when its process exits: sleep until
		 * one of them does, then list again (new ones may appear). */
		for (int i = 0; i < n && i < MAX; i++) {
			int fd = syscall(SYS_pidfd_open, pids[i], 0);

			if (fd >= 0)
				pfd[k++] = (struct pollfd){ fd, POLLIN, 0 };
		}
		r = poll(pfd, k, k ? ms_left(deadline) : 1);
		for (int i = 0; i < k; i++)
			close(pfd[i].fd);
		if (r < 0 && errno != EINTR)
			return -1;
	}
}

/* ---- running a tool ---- */

struct run_result {
	int status;	/* waitpid status; -1 if reaped by the PID 1 handler */
	int exec_errno; /* non-zero when exec itself failed */
	bool timed_out;
	size_t len; /* bytes of output kept (NUL added) */
};

/*
 * Runs argv with stdout captured into out (truncated, NUL-terminated) and
 * stdin from /dev/null, under a deadline. The child gets default signal
 * handling and an empty mask, and every inherited fd but 0-2 is marked
 * close-on-exec. exec errors come back over a close-on-exec pipe, so a
 * missing tool differs from a failing one.
 */
static int run_capture(char *const argv[], char *out, size_t size,
		       int timeout_ms, struct run_result *res)
{
	double deadline = pvhost_now_ms() + timeout_ms;
	int outp[2] = { -1, -1 }, errp[2] = { -1, -1 };
	pid_t pid;
	int ret = -1, st;

	memset(res, 0, sizeof(*res));
	if (pipe2(outp, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0)
		goto out;
	pid = fork();
	if (pid < 0)
		goto out;
	if (pid == 0) {
		sigset_t none;
		int e, null;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		for (int sig = 1; sig < NSIG; sig++)
			signal(sig, SIG_DFL);
		null = open("/dev/null", O_RDONLY);
		if (null < 0 || dup2(null, 0) < 0 || dup2(outp[1], 1) < 0)
			goto child_fail;
		pvhost_cloexec_from(3);
		execv(argv[0], argv);
	child_fail:
		e = errno;
		if (write(errp[1], &e, sizeof(e)) < 0)
			_exit(126);
		_exit(127);
	}
	close_fd(&outp[1]);
	close_fd(&errp[1]);

	/* Read to EOF: a single read could miss output. */
	for (;;) {
		struct pollfd pfd = { .fd = outp[0], .events = POLLIN };
		char chunk[4096];
		int left = ms_left(deadline);
		int r;
		ssize_t n;

		if (left == 0) {
			res->timed_out = true;
			kill(pid, SIGKILL);
			break;
		}
		r = poll(&pfd, 1, left);
		if (r < 0 && errno != EINTR)
			break;
		if (r <= 0)
			continue;
		n = read(outp[0], chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (res->len + 1 < size) {
			size_t room = size - 1 - res->len;
			size_t k = (size_t)n < room ? (size_t)n : room;

			memcpy(out + res->len, chunk, k);
			res->len += k;
		}
	}
	if (size)
		out[res->len] = '\0';
	if (read(errp[0], &res->exec_errno, sizeof(res->exec_errno)) !=
	    sizeof(res->exec_errno))
		res->exec_errno = 0;

	/* In PID 1 mode the SIGCHLD handler may have reaped it already. */
	while (waitpid(pid, &st, 0) < 0) {
		if (errno == EINTR)
			continue;
		st = -1;
		break;
	}
	res->status = st;
	ret = 0;
out:
	close_fd(&outp[0]);
	close_fd(&outp[1]);
	close_fd(&errp[0]);
	close_fd(&errp[1]);
	return ret;
}

/* ---- rootfs and config ---- */

static int copy_file(const char *src, const char *dst, mode_t mode)
{
	struct stat st;
	char *data = NULL;
	int fd = -1, ret = -1;
	size_t got = 0;

	fd = open(src, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		goto out;
	data = malloc(st.st_size ? st.st_size : 1);
	if (!data)
		goto out;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, data + got, st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			goto out;
		}
		got += n;
	}
	ret = write_file_atomic(dst, data, got, mode);
out:
	close_fd(&fd);
	free(data);
	return ret;
}

static int make_applet_links(const char *dir)
{
	char *argv[] = { "/bin/busybox", "--list-full", NULL };
	const size_t size = 64 * 1024;
	char *list = malloc(size), *save = NULL;
	struct run_result res;
	char path[PATH_MAX];
	int links = 0, ret = -1;

	if (!list || run_capture(argv, list, size, 10000, &res) < 0)
		goto out;
	if (res.exec_errno) {
		errno = res.exec_errno;
		goto out;
	}
	/* status -1: reaped by the PID 1 handler, judge by the output. */
	if (res.timed_out || res.len + 1 >= size ||
	    (res.status != -1 &&
	     !(WIFEXITED(res.status) && WEXITSTATUS(res.status) == 0))) {
		errno = EIO;
		goto out;
	}
	for (char *line = strtok_r(list, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *slash;

		if (!strcmp(line, "bin/busybox"))
			continue;
		if (join(path, sizeof(path), dir, line) < 0)
			goto out;
		slash = strrchr(path, '/');
		*slash = '\0';
		if (pvhost_mkdir_p(path, 0755) < 0)
			goto out;
		*slash = '/';
		if (symlink("/bin/busybox", path) < 0 && errno != EEXIST)
			goto out;
		links++;
	}
	if (!links) {
		errno = ENOENT;
		goto out;
	}
	ret = 0;
out:
	free(list);
	return ret;
}

int pvhost_make_rootfs(const char *dir, const char *init_script)
{
	static const char *const dirs[] = { "bin", "sbin", "proc", "sys",
					    "dev", "tmp",  "run",  "etc" };
	static const char passwd[] = "root:x:0:0:root:/:/bin/sh\n";
	static const char group[] = "root:x:0:\n";
	char path[PATH_MAX];
	const char *step = dir;

	if (!init_script)
		init_script = PVHOST_TEST_INIT;
	if (pvhost_mkdir_p(dir, 0755) < 0)
		goto fail;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		step = dirs[i];
		if (join(path, sizeof(path), dir, dirs[i]) < 0 ||
		    pvhost_mkdir_p(path, 0755) < 0)
			goto fail;
	}
	step = "tmp";
	if (join(path, sizeof(path), dir, "tmp") < 0 || chmod(path, 01777) < 0)
		goto fail;
	/* A log of an earlier run would confuse the tests' searches. */
	step = PVHOST_TEST_INIT_LOG;
	if (join(path, sizeof(path), dir, PVHOST_TEST_INIT_LOG) < 0 ||
	    (unlink(path) < 0 && errno != ENOENT))
		goto fail;
	step = "bin/busybox";
	if (join(path, sizeof(path), dir, "bin/busybox") < 0 ||
	    copy_file("/bin/busybox", path, 0755) < 0)
		goto fail;
	step = "applet links";
	if (make_applet_links(dir) < 0)
		goto fail;
	step = "etc/passwd";
	if (join(path, sizeof(path), dir, "etc/passwd") < 0 ||
	    write_file_atomic(path, passwd, strlen(passwd), 0644) < 0)
		goto fail;
	step = "etc/group";
	if (join(path, sizeof(path), dir, "etc/group") < 0 ||
	    write_file_atomic(path, group, strlen(group), 0644) < 0)
		goto fail;
	step = PVHOST_TEST_INIT_PATH;
	if (join(path, sizeof(path), dir, &PVHOST_TEST_INIT_PATH[1]) < 0 ||
	    write_file_atomic(path, init_script, strlen(init_script), 0755) < 0)
		goto fail;
	return 0;
fail:
	pvhost_vlog(MODULE, PV_LOG_ERROR, "cannot build rootfs '%s' (%s): %s",
		    dir, step, strerror(errno));
	return -1;
}

int pvhost_write_lxc_conf(const char *path, const char *rootfs,
			  const char *init_cmd, const char *extra_lines)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int ret = -1;

	if (!f)
		return -1;
	fprintf(f,
		"lxc.rootfs.path = dir:%s\n"
		"lxc.init.cmd = %s\n"
		"lxc.net.0.type = empty\n"
		"lxc.mount.auto = proc:mixed sys:mixed\n"
		/* the test init traps it; PID 1 ignores untrapped signals */
		"lxc.signal.halt = " PVHOST_TEST_HALT_SIGNAL "\n"
		"lxc.tty.max = 0\n"
		"lxc.pty.max = 4\n",
		rootfs, init_cmd ? init_cmd : PVHOST_TEST_INIT_PATH);
	if (extra_lines && *extra_lines) {
		size_t n = strlen(extra_lines);

		fputs(extra_lines, f);
		if (extra_lines[n - 1] != '\n')
			fputc('\n', f);
	}
	if (fclose(f) != 0)
		goto out;
	ret = write_file_atomic(path, text, len, 0644);
	if (ret < 0)
		pvhost_vlog(MODULE, PV_LOG_ERROR, "cannot write '%s': %s", path,
			    strerror(errno));
out:
	free(text);
	return ret;
}

static int rm_one(const char *path, const struct stat *st, int type,
		  struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_DP)
		return rmdir(path) < 0 ? -1 : 0;
	return unlink(path) < 0 ? -1 : 0;
}

int pvhost_rm_rf(const char *path)
{
	if (!path || !*path || !strcmp(path, "/")) {
		errno = EINVAL;
		return -1;
	}
	/* FTW_MOUNT: a bind mount left inside is skipped, so rmdir fails
	 * rather than deleting what it shows. */
	return nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

/* ---- a platform folder as a revision holds it ---- */

/* snprintf that fails (ENAMETOOLONG) instead of cutting a path */
__attribute__((format(printf, 3, 4))) static int
rev_path(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/*
 * Just enough JSON for run.json: the value of a top-level key, a string
 * array's members, an object's keys. Strings are unescaped for \" and \\
 * only; anything else is copied as written.
 */
static const char *json_ws(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	return s;
}

/* The end of the value at s (one past it), NULL if malformed. */
static const char *json_skip(const char *s)
{
	int depth = 0;

	s = json_ws(s);
	do {
		if (*s == '"') {
			for (s++; *s && *s != '"'; s++)
				if (*s == '\\' && s[1])
					s++;
			if (!*s)
				return NULL;
			s++;
		} else if (*s == '{' || *s == '[') {
			depth++;
			s++;
		} else if (*s == '}' || *s == ']') {
			depth--;
			s++;
		} else if (!*s) {
			return NULL;
		} else {
			s++;
		}
		if (depth > 0)
			s = json_ws(s);
	} while (depth > 0 ||
		 (depth == 0 && *s && !strchr(",}] \t\r\n", *s) &&
		  s[-1] != '"'));
	return s;
}

static const char *json_string(const char *s, char *out, size_t size)
{
	size_t o = 0;

	s = json_ws(s);
	if (*s != '"')
		return NULL;
	for (s++; *s && *s != '"'; s++) {
		if (*s == '\\' && s[1])
			s++;
		if (o + 1 < size)
			out[o++] = *s;
	}
	out[o] = '\0';
	return *s == '"' ? s + 1 : NULL;
}

/* The value of key in the object at obj, NULL when absent. */
static const char *json_get(const char *obj, const char *key)
{
	char k[128];
	const char *s = json_ws(obj);

	if (*s != '{')
		return NULL;
	for (s = json_ws(s + 1); *s == '"'; s = json_ws(s + 1)) {
		s = json_string(s, k, sizeof(k));
		if (!s || *(s = json_ws(s)) != ':')
			return NULL;
		if (!strcmp(k, key))
			return json_ws(s + 1);
		s = json_skip(s + 1);
		if (!s || *(s = json_ws(s)) != ',')
			return NULL;
	}
	return NULL;
}

/* Calls fn for every key of the object at obj, with its value. */
static void json_each_key(const char *obj, void (*fn)(const char *key,
						      const char *val,
						      void *ctx),
			  void *ctx)
{
	char k[128];
	const char *s = json_ws(obj);

	if (*s != '{')
		return;
	for (s = json_ws(s + 1); *s == '"'; s = json_ws(s + 1)) {
		s = json_string(s, k, sizeof(k));
		if (!s || *(s = json_ws(s)) != ':')
			return;
		fn(k, json_ws(s + 1), ctx);
		s = json_skip(s + 1);
		if (!s || *(s = json_ws(s)) != ',')
			return;
	}
}

static bool json_array_has(const char *arr, const char *want)
{
	char v[128];
	const char *s = json_ws(arr);

	if (*s != '[')
		return false;
	for (s = json_ws(s + 1); *s == '"'; s = json_ws(s + 1)) {
		s = json_string(s, v, sizeof(v));
		if (!s)
			return false;
		if (!strcmp(v, want))
			return true;
		if (*(s = json_ws(s)) != ',')
			return false;
	}
	return false;
}

/* Mounts fstype on dir (made first), recording it for undo. */
static int rev_mount(struct pvhost_rev *r, const char *src, const char *dir,
		     const char *fstype, unsigned long flags, const char *data)
{
	if (r->n_mounts >= PVHOST_REV_MOUNTS) {
		errno = E2BIG;
		return -1;
	}
	if (pvhost_mkdir_p(dir, 0755) < 0 ||
	    mount(src, dir, fstype, flags, data) < 0) {
		pvhost_vlog(MODULE, PV_LOG_ERROR, "cannot mount %s on '%s': %s",
			    fstype, dir, strerror(errno));
		return -1;
	}
	rev_path(r->mounts[r->n_mounts++], PATH_MAX, "%s", dir);
	return 0;
}

/*
 * The root volume on a loop device, read-only, as the core mounts it.
 * util-linux mount sets the loop device up (and frees it at umount with
 * autoclear), run by argv; the result is checked by its effect because
 * the PID 1 host may reap the tool before its status is read.
 */
static int rev_mount_squashfs(struct pvhost_rev *r, const char *image,
			      const char *dir)
{
	char *argv[] = { "/bin/mount", "-t", "squashfs", "-o", "loop,ro",
			 (char *)image, (char *)dir, NULL };
	struct run_result res;
	struct statfs sfs;
	char out[256];

	if (pvhost_mkdir_p(dir, 0755) < 0)
		return -1;
	run_capture(argv, out, sizeof(out), 10000, &res);
	if (statfs(dir, &sfs) < 0 || sfs.f_type != 0x73717368) {
		pvhost_vlog(MODULE, PV_LOG_ERROR,
			    "cannot loop-mount '%s' on '%s': %s", image, dir,
			    out[0] ? out : "not a squashfs after mount");
		errno = EIO;
		return -1;
	}
	rev_path(r->mounts[r->n_mounts++], PATH_MAX, "%s", dir);
	return 0;
}

/*
 * The root volume, and a layered app's root.ovl.squashfs, each at
 * <volumes>/<image>: at least one of them must be there.
 */
static int rev_mount_images(struct pvhost_rev *r)
{
	static const char *const images[] = { "root.squashfs",
					      "root.ovl.squashfs" };
	char image[PATH_MAX + 32], at[PATH_MAX + 32];
	int found = 0;

	for (size_t i = 0; i < 2; i++) {
		if (rev_path(image, sizeof(image), "%s/%s", r->dir,
			     images[i]) < 0 ||
		    rev_path(at, sizeof(at), "%s/%s", r->volumes,
			     images[i]) < 0)
			return -1;
		if (access(image, F_OK) < 0)
			continue;
		if (rev_mount_squashfs(r, image, at) < 0)
			return -1;
		found++;
	}
	if (!found) {
		pvhost_vlog(MODULE, PV_LOG_ERROR, "'%s' has no root.squashfs",
			    r->dir);
		errno = ENOENT;
		return -1;
	}
	return 0;
}

struct vol_ctx {
	struct pvhost_rev *r;
	int ret;
};

/* A storage volume: a tmpfs for "boot", a folder of storage otherwise. */
static void rev_volume(const char *key, const char *val, void *arg)
{
	struct vol_ctx *v = arg;
	char dir[PATH_MAX], pers[32] = "";
	const char *p = json_get(val, "persistence");

	if (v->ret || !strcmp(key, "root-volume") || strchr(key, '/'))
		return;
	if (p)
		json_string(p, pers, sizeof(pers));
	if (join(dir, sizeof(dir), v->r->volumes, key) < 0) {
		v->ret = -1;
		return;
	}
	if (!strcmp(pers, "boot"))
		v->ret = rev_mount(v->r, "none", dir, "tmpfs", 0, "mode=755");
	else
		v->ret = pvhost_mkdir_p(dir, 0755);
}

static int rev_read_run_json(struct pvhost_rev *r, char **text)
{
	char path[PATH_MAX + 16], cfg[128] = "lxc.container.conf";
	const char *v;
	struct stat st;
	FILE *f;

	if (rev_path(path, sizeof(path), "%s/run.json", r->dir) < 0)
		return -1;
	f = fopen(path, "re");
	if (!f || fstat(fileno(f), &st) < 0 || !(*text = calloc(1, st.st_size + 1)) ||
	    fread(*text, 1, st.st_size, f) != (size_t)st.st_size) {
		pvhost_vlog(MODULE, PV_LOG_ERROR, "cannot read '%s': %s", path,
			    strerror(errno ? errno : EIO));
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	if (!(v = json_get(*text, "name")) ||
	    !json_string(v, r->name, sizeof(r->name))) {
		pvhost_vlog(MODULE, PV_LOG_ERROR, "'%s' has no name", path);
		errno = EINVAL;
		return -1;
	}
	if ((v = json_get(*text, "group")))
		json_string(v, r->group, sizeof(r->group));
	if ((v = json_get(*text, "roles")))
		r->mgmt = json_array_has(v, "mgmt");
	r->export_ = json_get(*text, "exports") != NULL;
	if ((v = json_get(*text, "config")))
		json_string(v, cfg, sizeof(cfg));
	return rev_path(r->conf, sizeof(r->conf), "%s/%s", r->dir, cfg);
}

static int rev_copy_configs(struct pvhost_rev *r, const char *configs)
{
	char src[PATH_MAX + 16];
	char *argv[] = { "/bin/cp", "-a", src, (char *)configs, NULL };
	struct run_result res;
	char out[256];
	struct stat st;

	if (rev_path(src, sizeof(src), "%s/_config/.", r->dir) < 0)
		return -1;
	if (stat(src, &st) < 0)
		return 0;
	if (pvhost_mkdir_p(configs, 0755) < 0 ||
	    rev_path(r->configs, sizeof(r->configs), "%s", configs) < 0)
		return -1;
	run_capture(argv, out, sizeof(out), 10000, &res);
	return 0;
}

int pvhost_rev_prepare(struct pvhost *h, const char *dir,
		       struct pvhost_rev *r)
{
	char *text = NULL, configs[PATH_MAX + 32];
	struct vol_ctx v = { r, 0 };
	const char *storage;

	memset(r, 0, sizeof(*r));
	if (rev_path(r->dir, sizeof(r->dir), "%s", dir) < 0 ||
	    rev_read_run_json(r, &text) < 0 ||
	    rev_path(r->volumes, sizeof(r->volumes), "%s/%s", h->volumes,
		     r->name) < 0 ||
	    rev_path(configs, sizeof(configs), "%s/configs/%s", h->sandbox,
		     r->name) < 0)
		goto fail;
	if (rev_mount_images(r) < 0)
		goto fail;
	storage = json_get(text, "storage");
	if (storage)
		json_each_key(storage, rev_volume, &v);
	if (v.ret < 0)
		goto fail;
	if (rev_copy_configs(r, configs) < 0)
		goto fail;
	free(text);
	return 0;
fail:
	free(text);
	pvhost_rev_undo(r);
	return -1;
}

void pvhost_rev_undo(struct pvhost_rev *r)
{
	while (r->n_mounts > 0) {
		const char *dir = r->mounts[--r->n_mounts];

		if (umount2(dir, 0) < 0 && umount2(dir, MNT_DETACH) < 0)
			pvhost_vlog(MODULE, PV_LOG_WARN,
				    "cannot unmount '%s': %s", dir,
				    strerror(errno));
	}
	if (r->configs[0])
		pvhost_rm_rf(r->configs);
	r->configs[0] = '\0';
}

/*
 * A platform folder like pvr makes, from busybox: root.squashfs holds the
 * test init with Debian's var/run -> /run and etc/resolv.conf ->
 * ../run/resolv.conf, so the mount entries cross symlinks as on real
 * images; the config is pvr's template for it.
 */
int pvhost_make_platform(const char *dir, const char *name,
			 const char *volumes)
{
	char root[PATH_MAX + 16], path[PATH_MAX + 32], image[PATH_MAX + 32];
	char text[4096];
	char *argv[] = { "/usr/bin/mksquashfs", root, image, "-noappend",
			 "-quiet", "-no-progress", NULL };
	struct run_result res;
	struct stat st;
	char out[512];

	if (rev_path(root, sizeof(root), "%s/.rootfs", dir) < 0 ||
	    rev_path(image, sizeof(image), "%s/root.squashfs", dir) < 0 ||
	    pvhost_mkdir_p(dir, 0755) < 0 || pvhost_make_rootfs(root, NULL) < 0)
		return -1;
	if (rev_path(path, sizeof(path), "%s/var/run", root) < 0 ||
	    pvhost_mkdir_p(path, 0755) < 0 || rmdir(path) < 0 ||
	    symlink("/run", path) < 0 ||
	    rev_path(path, sizeof(path), "%s/etc/resolv.conf", root) < 0 ||
	    (unlink(path) < 0 && errno != ENOENT) ||
	    symlink("../run/resolv.conf", path) < 0)
		goto fail;
	unlink(image);
	run_capture(argv, out, sizeof(out), 60000, &res);
	pvhost_rm_rf(root);
	if (stat(image, &st) < 0) {
		pvhost_vlog(MODULE, PV_LOG_ERROR, "mksquashfs made no '%s': %s",
			    image, out[0] ? out : "(no output)");
		return -1;
	}
	if (rev_path(text, sizeof(text),
		     "lxc.tty.max = 8\nlxc.pty.max = 1024\n"
		     "lxc.rootfs.path = overlayfs:%s/%s/root.squashfs:"
		     "%s/%s/lxc-overlay/upper\n"
		     "lxc.init.cmd = " PVHOST_TEST_INIT_PATH "\n"
		     "lxc.environment = FOO=pvhost\n"
		     "lxc.namespace.keep = user  net  ipc\n"
		     "lxc.mount.auto = proc  sys:rw  cgroup\n"
		     "lxc.mount.entry = tmpfs run tmpfs rw,nodev,relatime,"
		     "create=dir,mode=755 0 0\n"
		     "lxc.mount.entry = /etc/resolv.conf etc/resolv.conf none "
		     "bind,rw,create=file 0 0\n"
		     "lxc.signal.halt = " PVHOST_TEST_HALT_SIGNAL "\n",
		     volumes, name, volumes, name) < 0 ||
	    rev_path(path, sizeof(path), "%s/lxc.container.conf", dir) < 0 ||
	    write_file_atomic(path, text, strlen(text), 0644) < 0)
		return -1;
	if (rev_path(text, sizeof(text),
		     "{\n  \"#spec\": \"service-manifest-run@1\",\n"
		     "  \"config\": \"lxc.container.conf\",\n"
		     "  \"name\": \"%s\",\n  \"group\": \"platform\",\n"
		     "  \"root-volume\": \"root.squashfs\",\n"
		     "  \"storage\": {\n    \"lxc-overlay\": "
		     "{ \"persistence\": \"boot\" }\n  },\n"
		     "  \"type\": \"lxc\"\n}\n",
		     name) < 0 ||
	    rev_path(path, sizeof(path), "%s/run.json", dir) < 0 ||
	    write_file_atomic(path, text, strlen(text), 0644) < 0)
		return -1;
	return 0;
fail:
	pvhost_vlog(MODULE, PV_LOG_ERROR, "cannot shape the image in '%s': %s",
		    root, strerror(errno));
	pvhost_rm_rf(root);
	return -1;
}

/* ---- for the test suites ---- */

char *pvhost_read_file(const char *path)
{
	FILE *f = fopen(path, "re");
	size_t len = 0, cap = 4096;
	char *buf = NULL, *bigger;

	if (!f)
		return NULL;
	for (;;) {
		bigger = realloc(buf, cap + 1);
		if (!bigger) {
			free(buf);
			fclose(f);
			return NULL;
		}
		buf = bigger;
		len += fread(buf + len, 1, cap - len, f);
		if (len < cap)
			break;
		cap *= 2;
	}
	buf[len] = '\0';
	fclose(f);
	return buf;
}

bool pvhost_can_run_lxc(const char *suite, bool squashfs)
{
	if (geteuid() != 0) {
		printf("SKIP: the %s tests start containers: run them as "
		       "root\n", suite);
		return false;
	}
	if (access("/usr/bin/lxc-start", X_OK) != 0 ||
	    access("/bin/busybox", X_OK) != 0) {
		printf("SKIP: the %s tests need stock LXC and busybox-static "
		       "(apt-get install lxc busybox-static)\n", suite);
		return false;
	}
	if (squashfs && access("/usr/bin/mksquashfs", X_OK) != 0) {
		printf("SKIP: the %s tests need mksquashfs (apt-get install "
		       "squashfs-tools)\n", suite);
		return false;
	}
	return true;
}

void pvhost_unload_clean(struct pvhost *h)
{
	char sb[PATH_MAX];
	bool made;

	if (!h)
		return;
	snprintf(sb, sizeof(sb), "%s", h->sandbox);
	made = h->sandbox_made;
	pvhost_unload(h);
	if (made)
		pvhost_rm_rf(sb);
}

int pvhost_lxc_major(void)
{
	char *argv[] = { "/usr/bin/lxc-start", "--version", NULL };
	struct run_result res;
	char out[64] = "";

	run_capture(argv, out, sizeof(out), 10000, &res);
	return atoi(out);
}
