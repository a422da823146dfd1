# garbage gemspec
Gem::Specification.new do |s|
  s.version = "1.0"
  s.summary = "no name"
end
