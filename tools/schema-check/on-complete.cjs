// Completion handler for `graphql-inspector diff --onComplete`: exits with status 3 on a
// breaking change, so that .ci/schema-diff can tell a breaking change from a failure of the
// tool itself (which exits 1).
module.exports = ({ breakingChanges, dangerousChanges }) => {
  const breaking = breakingChanges.length;
  if (breaking > 0) {
    console.error(`Detected ${breaking} breaking change${breaking > 1 ? "s" : ""}`);
    process.exit(3);
  }
  const dangerous = dangerousChanges.length;
  console.log(
    dangerous > 0
      ? `No breaking changes detected (${dangerous} dangerous: check that clients handle them)`
      : "No breaking changes detected",
  );
};
