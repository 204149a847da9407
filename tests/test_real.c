// SPDX-License-Identifier: MIT
/*
 * Real shapes: platforms as a device holds them, started through the plugin
 * on stock LXC. Each test builds a platform folder like a revision's
 * (run.json, lxc.container.conf, root.squashfs made with mksquashfs,
 * optional _config/), lets pvhost do what the core does before a start
 * (loop-mount the root volume, tmpfs lxc-overlay, copy the config overlay),
 * starts it, and reads inside the container that every mount landed where
 * Pantavisor's LXC fork would put it. Needs root, stock LXC, busybox-static
 * and squashfs-tools; skips (exit 77) otherwise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "pvhost.h"

#define SKIP_CODE 77
#define PID_WAIT_MS 15000

static const char *plugin_path;
static char work[64];
static struct pvhost *host;

/* What one test made, undone by its teardown even when it fails. */
static struct {
	struct pvhost_rev rev[2];
	int n_rev;
	struct pvhost_plat pl;
	bool started;
	bool made_firmware; /* the test created the host's /lib/firmware */
} cur;

/* ---- helpers ---- */

/* snprintf for paths and texts that must not be cut */
__attribute__((format(printf, 3, 4))) static void fmt(char *buf, size_t size,
						      const char *f, ...)
{
	va_list ap;
	int n;

	va_start(ap, f);
	n = vsnprintf(buf, size, f, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size)
		fail_msg("too long for %zu bytes: '%.80s...'", size, buf);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	if (!f)
		fail_msg("cannot write '%s': %s", path, strerror(errno));
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

/* Runs argv quietly; its exit code (the PID 1 host must not reap it). */
static int run(char *const argv[])
{
	sigset_t chld, old;
	int st = 0;
	pid_t pid;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &old);
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		dup2(null, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	sigprocmask(SIG_SETMASK, &old, NULL);
	return pid > 0 && WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* text with every "@V@" replaced by the host's volumes folder */
static void write_with_volumes(const char *path, const char *text)
{
	char out[16384], vol[PATH_MAX];
	size_t o = 0;

	fmt(vol, sizeof(vol), "%s", host->volumes);
	for (const char *s = text; *s && o + sizeof(vol) < sizeof(out);) {
		if (!strncmp(s, "@V@", 3)) {
			fmt(out + o, sizeof(out) - o, "%s", vol);
			o += strlen(vol);
			s += 3;
		} else {
			out[o++] = *s++;
		}
	}
	out[o] = '\0';
	write_file(path, out, 0644);
}

/*
 * The init every image runs: reports, for each path in mnts, whether it
 * is a mount point (" mnt " or " nomnt "), for each path in files whether
 * it is there, its working folder and $FROM_INCLUDE, then waits for the
 * halt signal (SIGPWR: the real configs set no lxc.signal.halt).
 */
static void write_init(const char *root, const char *at, const char *mnts,
		       const char *files)
{
	char path[PATH_MAX], text[4096];

	fmt(text, sizeof(text),
	    "#!/bin/sh\n"
	    "say() { echo \"$*\" > /dev/console 2>/dev/null || "
	    "echo \"$*\"; }\n"
	    "trap 'say \"shape: halting\"; exit 0' USR1 PWR TERM\n"
	    "for p in %s; do\n"
	    "\tif grep -q \" $p \" /proc/self/mountinfo; then "
	    "say \"shape: mnt $p\"; else say \"shape: nomnt $p\"; fi\n"
	    "done\n"
	    "for f in %s; do\n"
	    "\t[ -e $f ] && say \"shape: file $f\" || "
	    "say \"shape: nofile $f\"\n"
	    "done\n"
	    "say \"shape: cwd $(pwd) include=$FROM_INCLUDE\"\n"
	    "say 'shape: done'\n"
	    "while :; do sleep 1 & wait $!; done\n",
	    mnts, files);
	fmt(path, sizeof(path), "%s%s", root, at);
	write_file(path, text, 0755);
}

static void mkdirs(const char *root, const char *rel)
{
	char path[PATH_MAX];

	fmt(path, sizeof(path), "%s/%s", root, rel);
	assert_int_equal(pvhost_mkdir_p(path, 0755), 0);
}

static void symlink_in(const char *root, const char *rel, const char *to)
{
	char path[PATH_MAX];

	fmt(path, sizeof(path), "%s/%s", root, rel);
	unlink(path);
	assert_int_equal(symlink(to, path), 0);
}

static void rm_in(const char *root, const char *rel)
{
	char path[PATH_MAX];

	fmt(path, sizeof(path), "%s/%s", root, rel);
	pvhost_rm_rf(path);
}

/* Every from in buf becomes to (to no longer than from). */
static void rename_all(char *buf, size_t size, const char *from, const char *to)
{
	size_t fl = strlen(from), tl = strlen(to);

	assert_true(tl <= fl && strlen(buf) < size);
	for (char *s = buf; (s = strstr(s, from)); s += tl) {
		memcpy(s, to, tl);
		memmove(s + tl, s + fl, strlen(s + fl) + 1);
	}
}

/* A busybox root in a scratch folder, shaped by the test. */
static void new_root(char *root, size_t size, const char *name)
{
	fmt(root, size, "%s/img-%s", work, name);
	pvhost_rm_rf(root);
	assert_int_equal(pvhost_make_rootfs(root, NULL), 0);
}

/* The root squashed into <platform folder>/<image>, then removed. */
static void squash(const char *root, const char *plat, const char *image)
{
	char img[PATH_MAX];
	char *argv[] = { "mksquashfs", (char *)root,   img, "-noappend",
			 "-quiet",     "-no-progress", NULL };

	fmt(img, sizeof(img), "%s/%s", plat, image);
	assert_int_equal(run(argv), 0);
	pvhost_rm_rf(root);
}

/* A platform folder: run.json and the config, with @V@ for /volumes. */
static void new_platform(char *dir, size_t size, const char *name,
			 const char *run_json, const char *conf)
{
	char path[PATH_MAX];

	fmt(dir, size, "%s/trails/0/%s", work, name);
	pvhost_rm_rf(dir);
	assert_int_equal(pvhost_mkdir_p(dir, 0755), 0);
	fmt(path, sizeof(path), "%s/run.json", dir);
	write_file(path, run_json, 0644);
	fmt(path, sizeof(path), "%s/lxc.container.conf", dir);
	write_with_volumes(path, conf);
}

/* What the core does before start, for one more platform folder. */
static struct pvhost_rev *prepare(const char *dir)
{
	struct pvhost_rev *r = &cur.rev[cur.n_rev];

	assert_true(cur.n_rev < 2);
	if (pvhost_rev_prepare(host, dir, r) < 0)
		fail_msg("cannot prepare platform folder '%s'", dir);
	cur.n_rev++;
	return r;
}

static const char *recent_log(void)
{
	static char buf[8192];
	unsigned int n, first;

	pvhost_log_count(host, "");
	n = host->ring_next;
	first = n > 12 ? n - 12 : 0;
	buf[0] = '\0';
	for (unsigned int i = first; i < n; i++) {
		strncat(buf, host->ring[i % PVHOST_LOG_RING],
			sizeof(buf) - strlen(buf) - 2);
		strcat(buf, "\n");
	}
	return buf;
}

/* Starts the prepared platform as the core would; fails with LXC's word. */
static void start_ok(const struct pvhost_rev *r)
{
	struct pvhost_plat *pl = &cur.pl;

	assert_int_equal(pvhost_plat_init(pl, r->name, r->conf), 0);
	pl->mgmt = r->mgmt;
	pl->group = r->group[0] ? r->group : NULL;
	pl->export_ = r->export_;
	pvhost_log_clear(host);
	assert_int_equal(pvhost_start(host, pl), 0);
	cur.started = true;
	if (pvhost_wait_pid(host, pl, PID_WAIT_MS) <= 0)
		fail_msg("no pid for '%s'; plugin said:\n%s", pl->name,
			 recent_log());
}

/* A start that LXC refuses: -1 on the pid pipe, the reason in the log. */
static void start_fails_with(const struct pvhost_rev *r, const char *why)
{
	struct pvhost_plat *pl = &cur.pl;

	assert_int_equal(pvhost_plat_init(pl, r->name, r->conf), 0);
	pl->group = r->group[0] ? r->group : NULL;
	pvhost_log_clear(host);
	assert_int_equal(pvhost_start(host, pl), 0);
	cur.started = true;
	assert_int_equal(pvhost_wait_pid(host, pl, PID_WAIT_MS), -1);
	if (!pvhost_log_contains(host, why))
		fail_msg("'%s' failed without '%s'; plugin said:\n%s", pl->name,
			 why, recent_log());
}

static void sees(const char *needle)
{
	char want[512];

	fmt(want, sizeof(want), "shape: %s\r", needle);
	if (!pvhost_console_wait_for(&cur.pl, want, 5000))
		fail_msg("'%s' never saw '%s' (console: %.*s)", cur.pl.name,
			 needle, (int)cur.pl.console.len, cur.pl.console.buf);
}

static void stop_ok(void)
{
	int killed = 0;

	cur.started = false;
	assert_int_equal(pvhost_stop(host, &cur.pl, &killed), 0);
	assert_int_equal(killed, 0);
}

/* The generated config holds line, as LXC was given it. */
static void config_has(const char *name, const char *line)
{
	char path[PATH_MAX], *text;
	bool has;

	fmt(path, sizeof(path), "%s/%s/config", PV_LXCCLI_RUNDIR, name);
	text = pvhost_read_file(path);
	has = text && strstr(text, line);
	if (!has)
		fail_msg("config of '%s' lacks '%s':\n%s", name, line,
			 text ? text : "(none)");
	free(text);
}

/* ---- fixtures ---- */

static int test_setup(void **state)
{
	(void)state;
	memset(&cur, 0, sizeof(cur));
	return 0;
}

static int test_teardown(void **state)
{
	(void)state;
	if (cur.started)
		pvhost_stop(host, &cur.pl, NULL);
	cur.started = false;
	while (cur.n_rev > 0)
		pvhost_rev_undo(&cur.rev[--cur.n_rev]);
	if (cur.made_firmware)
		rmdir("/lib/firmware");
	return 0;
}

static int group_setup(void **state)
{
	struct pvhost_opts o;

	(void)state;
	strcpy(work, "/tmp/pv_lxccli_real.XXXXXX");
	if (!mkdtemp(work))
		return -1;
	pvhost_opts_init(&o, plugin_path);
	o.log = stderr;
	o.log_prefix = "    ";
	host = pvhost_load(&o);
	return host ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	pvhost_unload_clean(host);
	pvhost_rm_rf(work);
	return 0;
}

/* ---- the two real configs of pvr, /volumes paths changed ---- */

static const char watchdog_conf[] =
	"lxc.tty.max = 8\n"
	"lxc.pty.max = 1024\n"
	"lxc.cgroup.devices.allow = a\n"
	"lxc.rootfs.path = overlayfs:@V@/watchdog_pinger/root.squashfs:"
	"@V@/watchdog_pinger/lxc-overlay/upper\n"
	"lxc.init.cmd = /app/watchdog_pinger\n"
	"lxc.init.cwd = /app\n"
	"lxc.environment = PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:"
	"/usr/bin:/sbin:/bin\n"
	"lxc.namespace.keep = user  net  ipc\n"
	"lxc.mount.auto = proc  sys:rw  cgroup\n"
	"lxc.mount.entry = tmpfs run tmpfs rw,nodev,relatime,create=dir,"
	"mode=755 0 0\n"
	"lxc.mount.entry = /etc/resolv.conf etc/resolv.conf none bind,rw,"
	"create=file 0 0\n"
	"lxc.mount.entry = @V@/watchdog_pinger/docker--tmp tmp none bind,rw,"
	"create=dir 0 0\n";

static const char watchdog_run[] =
	"{\n  \"#spec\": \"service-manifest-run@1\",\n"
	"  \"config\": \"lxc.container.conf\",\n"
	"  \"name\": \"watchdog_pinger\",\n"
	"  \"root-volume\": \"root.squashfs\",\n"
	"  \"storage\": {\n"
	"    \"docker--tmp\": { \"persistence\": \"permanent\" },\n"
	"    \"lxc-overlay\": { \"persistence\": \"boot\" }\n  },\n"
	"  \"type\": \"lxc\",\n  \"volumes\": []\n}\n";

/* The image behind it: /app, dev, proc, run, sys, tmp, var: no /etc. */
static void shape_app_image(const char *root, const char *init)
{
	rm_in(root, "etc");
	mkdirs(root, "app");
	mkdirs(root, "var/tmp");
	write_init(root, init, "/run /etc/resolv.conf /tmp /run/dbus",
		   "/etc/resolv.conf");
}

static void test_watchdog_pinger_starts_on_an_image_without_etc(void **state)
{
	char root[PATH_MAX], dir[PATH_MAX];

	(void)state;
	new_root(root, sizeof(root), "watchdog");
	shape_app_image(root, "/app/watchdog_pinger");
	mkdirs(root, "var/run");
	new_platform(dir, sizeof(dir), "watchdog_pinger", watchdog_run,
		     watchdog_conf);
	squash(root, dir, "root.squashfs");
	start_ok(prepare(dir));
	sees("mnt /run");
	sees("mnt /etc/resolv.conf");
	sees("mnt /tmp");
	sees("cwd /app include=");
	stop_ok();
}

static const char wifi_conf_extra[] =
	"lxc.cap.keep = block_suspend\n"
	"lxc.cap.keep = wake_alarm\n"
	"lxc.cap.keep = sys_time\n"
	"lxc.cap.keep = net_admin net_raw net_bind_service\n"
	"lxc.mount.entry = @V@/os/docker--pvrun-dbus var/run/dbus none "
	"bind,rw,create=dir 0 0\n";

/* Debian's absolute var/run -> /run: var/run/dbus lands in the tmpfs run */
static void test_pvwificonnect_with_debian_var_run_link(void **state)
{
	char root[PATH_MAX], dir[PATH_MAX], conf[8192], run_json[1024];
	char dbus[PATH_MAX];

	(void)state;
	fmt(conf, sizeof(conf), "%s%s", watchdog_conf, wifi_conf_extra);
	rename_all(conf, sizeof(conf), "watchdog_pinger", "pvwificonnect");
	fmt(run_json, sizeof(run_json), "%s", watchdog_run);
	rename_all(run_json, sizeof(run_json), "watchdog_pinger",
		   "pvwificonnect");
	strcpy(strrchr(run_json, '}'), ",\n  \"group\": \"platform\"\n}\n");
	fmt(dbus, sizeof(dbus), "%s/os/docker--pvrun-dbus", host->volumes);
	assert_int_equal(pvhost_mkdir_p(dbus, 0755), 0);
	new_root(root, sizeof(root), "wifi");
	shape_app_image(root, "/app/pvwificonnect");
	mkdirs(root, "var");
	symlink_in(root, "var/run", "/run");
	new_platform(dir, sizeof(dir), "pvwificonnect", run_json, conf);
	squash(root, dir, "root.squashfs");
	if (pvhost_lxc_major() == 4) {
		/*
		 * LXC 4.0's cgroup automount fails for a container that does
		 * not keep CAP_SYS_ADMIN (lxc.cap.keep: "cgroup" means
		 * cgroup:mixed then): lxc/lxc#3640, README "LXC versions".
		 * The start must fail with LXC's own reason, and leave
		 * nothing running.
		 */
		start_fails_with(prepare(dir), "LXC's reason: Invalid "
					       "cross-device link - Failed to "
					       "mount \"/sys/fs/cgroup\"");
		return;
	}
	start_ok(prepare(dir));
	sees("mnt /etc/resolv.conf");
	sees("mnt /run/dbus");
	config_has("pvwificonnect", "var/run/dbus none bind,rw,create=dir "
				    "0 0\nlxc.mount.entry = ");
	config_has("pvwificonnect", " run/dbus none bind,rw,create=dir 0 0\n");
	stop_ok();
}

/* ---- one shape each ---- */

/* pvr-like, for the shapes below: overlay rootfs on the loop mount */
#define SHAPE_CONF(n)                                                          \
	"lxc.rootfs.path = overlayfs:@V@/" n "/root.squashfs:@V@/" n           \
	"/lxc-overlay/upper\n"                                                 \
	"lxc.init.cmd = /sbin/shape-init\n"                                    \
	"lxc.pty.max = 1024\n"                                                 \
	"lxc.net.0.type = empty\n"                                             \
	"lxc.mount.auto = proc:mixed sys:mixed\n"                              \
	"lxc.mount.entry = tmpfs run tmpfs rw,nodev,relatime,create=dir,"      \
	"mode=755 0 0\n"

#define SHAPE_RUN(n)                                                           \
	"{\"name\": \"" n "\", \"config\": \"lxc.container.conf\", "           \
	"\"storage\": {\"lxc-overlay\": {\"persistence\": \"boot\"}}}\n"

/* etc/resolv.conf -> ../run/resolv.conf, and a config overlay on top */
static void test_resolv_conf_link_into_run_and_config_overlay(void **state)
{
	char root[PATH_MAX], dir[PATH_MAX], path[PATH_MAX + 32];

	(void)state;
	new_root(root, sizeof(root), "resolv");
	symlink_in(root, "etc/resolv.conf", "../run/resolv.conf");
	write_init(root, "/sbin/shape-init", "/run/resolv.conf",
		   "/etc/motd /etc/resolv.conf");
	new_platform(
		dir, sizeof(dir), "shresolv", SHAPE_RUN("shresolv"),
		SHAPE_CONF("shresolv") "lxc.mount.entry = /etc/resolv.conf "
				       "etc/resolv.conf none "
				       "bind,rw,create=file 0 0\n");
	squash(root, dir, "root.squashfs");
	fmt(path, sizeof(path), "%s/_config/etc", dir);
	assert_int_equal(pvhost_mkdir_p(path, 0755), 0);
	strcat(path, "/motd");
	write_file(path, "from-config-overlay\n", 0644);
	start_ok(prepare(dir));
	sees("mnt /run/resolv.conf");
	sees("file /etc/motd");
	sees("file /etc/resolv.conf");
	stop_ok();
}

/* merged /usr: the plugin's own lib/firmware line crosses lib -> usr/lib */
static void test_merged_usr_image_gets_the_host_firmware(void **state)
{
	char root[PATH_MAX], dir[PATH_MAX];
	struct stat st;

	(void)state;
	if (stat("/lib/firmware", &st) < 0) {
		assert_int_equal(mkdir("/lib/firmware", 0755), 0);
		cur.made_firmware = true;
	}
	new_root(root, sizeof(root), "usr");
	mkdirs(root, "usr/lib");
	symlink_in(root, "lib", "usr/lib");
	write_init(root, "/sbin/shape-init", "/usr/lib/firmware",
		   "/lib/firmware");
	new_platform(dir, sizeof(dir), "shusr", SHAPE_RUN("shusr"),
		     SHAPE_CONF("shusr"));
	squash(root, dir, "root.squashfs");
	start_ok(prepare(dir)); /* pvhost_plat_init: automodfw on */
	sees("mnt /usr/lib/firmware");
	sees("file /lib/firmware");
	config_has("shusr", "/lib/firmware usr/lib/firmware none "
			    "bind,ro,create=dir 0 0\n");
	stop_ok();
}

/* pvr's ovl: persistence: an overlay entry with upper and work elsewhere */
static void test_ovl_overlay_mount_entry_gets_its_folders(void **state)
{
	char root[PATH_MAX], dir[PATH_MAX], upper[PATH_MAX], path[PATH_MAX];
	struct stat st;

	(void)state;
	new_root(root, sizeof(root), "ovl");
	mkdirs(root, "data");
	fmt(path, sizeof(path), "%s/data/hello", root);
	write_file(path, "hello\n", 0644);
	write_init(root, "/sbin/shape-init", "/data", "/data/hello");
	new_platform(
		dir, sizeof(dir), "shovl", SHAPE_RUN("shovl"),
		SHAPE_CONF(
			"shovl") "lxc.mount.entry = overlay data overlay "
				 "lowerdir=@V@/"
				 "shovl/root.squashfs/data,upperdir=@V@/shovl/"
				 "dockerovl-data/upper,workdir=@V@/shovl/"
				 "dockerovl-data/"
				 "work,create=dir\n");
	squash(root, dir, "root.squashfs");
	fmt(upper, sizeof(upper), "%s/shovl/dockerovl-data/upper",
	    host->volumes);
	assert_int_not_equal(stat(upper, &st), 0);
	start_ok(prepare(dir));
	sees("mnt /data");
	sees("file /data/hello");
	assert_int_equal(stat(upper, &st), 0);
	stop_ok();
	pvhost_rm_rf(upper);
}

/* newer pvr writes lxc.tty.min, a key of the fork only */
static void test_tty_min_is_commented_out_with_a_warning(void **state)
{
	char root[PATH_MAX], dir[PATH_MAX];

	(void)state;
	new_root(root, sizeof(root), "tty");
	write_init(root, "/sbin/shape-init", "/run", "/bin/busybox");
	new_platform(dir, sizeof(dir), "shtty", SHAPE_RUN("shtty"),
		     SHAPE_CONF("shtty") "lxc.tty.max = 8\nlxc.tty.min = 8\n");
	squash(root, dir, "root.squashfs");
	start_ok(prepare(dir));
	sees("mnt /run");
	config_has("shtty", "\n# pv_lxccli: key of Pantavisor's LXC fork "
			    "only: lxc.tty.min = 8\n");
	assert_true(pvhost_log_contains(host, "'lxc.tty.min' of 'shtty' is a "
					      "key of Pantavisor's LXC fork"));
	stop_ok();
}

/*
 * A layered app: its root.ovl.squashfs over the base platform's
 * root.squashfs. The link that moves the mount is in the app's layer.
 */
static void test_layered_app_resolves_through_both_lowers(void **state)
{
	char root[PATH_MAX], base[PATH_MAX], app[PATH_MAX], path[PATH_MAX];

	(void)state;
	new_root(root, sizeof(root), "base");
	mkdirs(root, "srv/www");
	new_platform(base, sizeof(base), "shbase", SHAPE_RUN("shbase"),
		     SHAPE_CONF("shbase"));
	squash(root, base, "root.squashfs");

	fmt(root, sizeof(root), "%s/img-app", work);
	pvhost_rm_rf(root);
	mkdirs(root, "sbin");
	mkdirs(root, "etc");
	symlink_in(root, "www", "/srv/www");
	fmt(path, sizeof(path), "%s/etc/app-marker", root);
	write_file(path, "app\n", 0644);
	write_init(root, "/sbin/shape-init", "/srv/www/data",
		   "/etc/app-marker /etc/passwd");
	new_platform(app, sizeof(app), "shapp", SHAPE_RUN("shapp"),
		     "lxc.rootfs.path = overlayfs:@V@/shapp/root.ovl.squashfs:"
		     "@V@/shbase/root.squashfs:@V@/shapp/lxc-overlay/upper\n"
		     "lxc.init.cmd = /sbin/shape-init\n"
		     "lxc.net.0.type = empty\n"
		     "lxc.mount.auto = proc:mixed sys:mixed\n"
		     "lxc.mount.entry = tmpfs www/data tmpfs rw,create=dir 0 "
		     "0\n");
	squash(root, app, "root.ovl.squashfs");
	prepare(base);
	start_ok(prepare(app));
	sees("mnt /srv/www/data");
	sees("file /etc/app-marker");
	sees("file /etc/passwd");
	stop_ok();
}

/* relative paths resolve from the config's folder, as under liblxc */
static void test_relative_include_is_read_from_the_config_folder(void **state)
{
	char root[PATH_MAX], dir[PATH_MAX], path[PATH_MAX + 16];

	(void)state;
	new_root(root, sizeof(root), "rel");
	write_init(root, "/sbin/shape-init", "/run", "/bin/busybox");
	new_platform(dir, sizeof(dir), "shrel", SHAPE_RUN("shrel"),
		     SHAPE_CONF("shrel") "lxc.include = extra.conf\n");
	squash(root, dir, "root.squashfs");
	fmt(path, sizeof(path), "%s/extra.conf", dir);
	write_file(path, "lxc.environment = FROM_INCLUDE=yes\n", 0644);
	start_ok(prepare(dir));
	sees("cwd / include=yes");
	stop_ok();
}

#define T(f) cmocka_unit_test_setup_teardown(f, test_setup, test_teardown)

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		T(test_watchdog_pinger_starts_on_an_image_without_etc),
		T(test_pvwificonnect_with_debian_var_run_link),
		T(test_resolv_conf_link_into_run_and_config_overlay),
		T(test_merged_usr_image_gets_the_host_firmware),
		T(test_ovl_overlay_mount_entry_gets_its_folders),
		T(test_tty_min_is_commented_out_with_a_warning),
		T(test_layered_app_resolves_through_both_lowers),
		T(test_relative_include_is_read_from_the_config_folder),
	};

	if (argc != 2) {
		fprintf(stderr, "usage: %s PLUGIN.so\n", argv[0]);
		return 2;
	}
	if (!pvhost_can_run_lxc("real-shape", true))
		return SKIP_CODE;
	plugin_path = argv[1];
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
